/**
 * Other classes of the same name as a class, among the exports of modules loaded with require(): the
 * copies a package installed twice brings (domhandler at the top and under htmlparser2), for the
 * error of a check that counted the wrong one. Reads module exports' own data properties only: never
 * runs a getter, and skips a module whose exports cannot be read. Modules loaded as ES modules are
 * not in require()'s cache and are not seen.
 */
import * as nodeModule from 'node:module';
import type { AnyClass } from './births';
import { displayFile } from './holders';

type LoadedModules = Record<string, { exports?: unknown } | undefined>;

/** Copies listed at most. */
const MAX_COPIES = 3;

/** The files (as reports show them) of modules that export another class named like `cls`, at most MAX_COPIES. */
export function otherCopiesOf(cls: AnyClass): string[] {
  const name = cls.name;
  if (name === '') return [];
  const moduleClass = nodeModule as unknown as { _cache?: LoadedModules; default?: { _cache?: LoadedModules } };
  const cache = moduleClass._cache ?? moduleClass.default?._cache ?? {};
  const found: string[] = [];
  for (const [file, loaded] of Object.entries(cache)) {
    if (exportsAnother(loaded?.exports, cls, name)) found.push(displayFile(file));
    if (found.length === MAX_COPIES) break;
  }
  return found;
}

/** Whether `exported` is, or has as an own data property, a function named `name` other than `cls`. */
function exportsAnother(exported: unknown, cls: AnyClass, name: string): boolean {
  if ((typeof exported !== 'object' && typeof exported !== 'function') || exported === null) return false;
  const isOther = (value: unknown): boolean => typeof value === 'function' && value !== cls && (value as { name?: unknown }).name === name;
  if (isOther(exported)) return true;
  try {
    return Object.values(Object.getOwnPropertyDescriptors(exported)).some((descriptor) => 'value' in descriptor && isOther(descriptor.value));
  } catch {
    // A proxy whose traps throw.
    return false;
  }
}
