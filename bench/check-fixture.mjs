// What the check scenarios (bench/check.mjs, bench/phases.mjs) run against: the tracked class, the
// untracked one (made in a vm context in a Jest-like process), the 2,000 scripts a Jest worker has
// loaded, and an application heap of live records. Shared so both measure the same thing.
import * as vm from 'node:vm';
import { ObjectRef } from 'trackref';

export class Job extends ObjectRef {
  constructor(id) {
    super();
    this.id = id;
    this.url = `https://example.com/${id}`;
    this.meta = null;
  }
}

const PLAIN_JOB_SOURCE = `class PlainJob {
  constructor(id) {
    this.id = id;
    this.url = 'https://example.com/' + id;
    this.meta = null;
  }
}`;

/** The untracked class: made in a vm context when `jestLike` (as in a Jest test file), else in this realm. */
export function plainJobClass(jestLike) {
  return jestLike ? vm.runInNewContext(`${PLAIN_JOB_SOURCE}; PlainJob`) : (0, eval)(`(${PLAIN_JOB_SOURCE})`);
}

/** 2,000 small scripts, each with a function kept alive: the scripts a Jest worker has loaded. */
export function loadScripts() {
  const kept = [];
  for (let i = 0; i < 2000; i++) {
    kept.push(vm.runInThisContext(`(function module${i}(x) { return x + ${i}; })`, { filename: `/bench/module-${i}.js` }));
  }
  return kept;
}

/** The application heap the checks run against, about 5,000 records per MB (keep it alive). */
export function buildHeap(mb) {
  const records = [];
  const count = Math.round(mb * 5000);
  for (let i = 0; i < count; i++) {
    records.push({ id: i, name: `record number ${i} of the benchmark heap`, child: { x: i, y: -i } });
  }
  return records;
}
