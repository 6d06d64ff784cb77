// Matrix only: the ESM half of preload.cjs (registered with module.register).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const { escapeError, isInside } = createRequire(import.meta.url)('./escape.cjs');
let cell;

export function initialize(data) {
  cell = data.cell;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (cell && result.url.startsWith('file:')) {
    const file = fileURLToPath(result.url);
    if (!isInside(cell, file)) {
      const issuer = context.parentURL?.startsWith('file:') ? fileURLToPath(context.parentURL) : context.parentURL;
      throw escapeError(specifier, file, 'ERR_MODULE_NOT_FOUND', issuer);
    }
  }
  return result;
}
