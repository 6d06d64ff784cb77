// ESM and CommonJS consumers of the published package share one registry: one ObjectRef class, one
// set of live objects, one leak checker. Checked in a fresh Node process (no Vitest module runner in
// between), importing `trackref` by name from the repo root as an installed package would be.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');

const SCRIPT = `
import { createRequire } from 'node:module';
import * as esm from 'trackref';
import { withTrackref as esmWithTrackref } from 'trackref/vitest/config';
import EsmEnvironment from 'trackref/jest/environment';

const require = createRequire(process.cwd() + '/');
const cjs = require('trackref');
const cjsConfig = require('trackref/vitest/config');
const cjsEnvironment = require('trackref/jest/environment');

class ViaEsm extends esm.ObjectRef {}
class ViaCjs extends cjs.ObjectRef {}
const kept = [new ViaEsm(), new ViaEsm(), new ViaCjs(), esm.track(new Map()), cjs.track(new Set())];

const counts = { viaEsmFromCjs: [...cjs.iterAll(ViaEsm)].length, viaCjsFromEsm: [...esm.iterAll('ViaCjs')].length };
const oldestSame = esm.getOldest(ViaEsm) === cjs.getOldest('ViaEsm') && esm.getOldest(ViaEsm) === kept[0];
const live = esm.formatLiveRefs();
// The same table from both entries; ages are left out (each call can take a second on a busy machine,
// so two calls may straddle an age boundary).
const withoutAges = (table) => table.replace(/oldest: .*$/gm, 'oldest: …');
const formatEqual = withoutAges(live) === withoutAges(cjs.formatLiveRefs());
const leakedByCjsCheck = [];
const report = await cjs.checkLeaks(() => { leakedByCjsCheck.push(new ViaEsm()); }, 'ViaEsm');
const esmReport = await esm.checkLeaks(() => { leakedByCjsCheck.push(new ViaCjs()); }, ViaCjs);
let crossError;
try { cjs.track(1); } catch (error) { crossError = error; }

console.log(JSON.stringify({
  sameObjectRef: esm.ObjectRef === cjs.ObjectRef,
  sameTrack: esm.track === cjs.track,
  sameCheckLeaks: esm.checkLeaks === cjs.checkLeaks,
  sameTrackrefError: esm.TrackrefError === cjs.TrackrefError,
  errorIsEsmTrackrefError: crossError instanceof esm.TrackrefError,
  sameWithTrackref: esmWithTrackref === cjsConfig.withTrackref,
  sameEnvironment: EsmEnvironment === (cjsEnvironment.default ?? cjsEnvironment),
  esmExports: Object.keys(esm).sort(),
  cjsExports: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
  formatEqual,
  live,
  ...counts,
  oldestSame,
  cjsCheckOnEsmClass: report.leaked,
  esmCheckOnCjsClass: esmReport.leaked,
}));
`;

test('import and require of trackref give one registry', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: repo });
  const result = JSON.parse(stdout.trim());
  expect(result).toMatchObject({
    sameObjectRef: true,
    sameTrack: true,
    sameCheckLeaks: true,
    sameTrackrefError: true,
    errorIsEsmTrackrefError: true,
    sameWithTrackref: true,
    sameEnvironment: true,
    formatEqual: true,
    viaEsmFromCjs: 2,
    viaCjsFromEsm: 1,
    oldestSame: true,
    cjsCheckOnEsmClass: true,
    esmCheckOnCjsClass: true,
  });
  expect(result.esmExports).toEqual(result.cjsExports);
  expect(result.esmExports).toEqual(expect.arrayContaining(['ObjectRef', 'track', 'formatLiveRefs', 'printLiveRefs', 'prefs', 'getOldest', 'iterAll', 'collectGarbage', 'checkLeaks', 'TrackrefError']));
  expect(result.live).toMatch(/^Live References\n\n/);
  expect(result.live).toMatch(/^ViaEsm {25}\s+\d+ {3}oldest: \d+s ago$/m);
  expect(result.live).toMatch(/^ViaCjs {25}\s+\d+ {3}oldest: \d+s ago$/m);
  expect(result.live).toMatch(/^Map {28}\s+1 {3}oldest/m);
  expect(result.live).toMatch(/^Set {28}\s+1 {3}oldest/m);
});

test('in this Vitest process too, `import` and `require` of trackref share the registry', async () => {
  const { createRequire } = await import('node:module');
  const esm = await import('trackref');
  const cjs = createRequire(import.meta.url)('trackref') as typeof esm;
  expect(esm.ObjectRef).toBe(cjs.ObjectRef);
  expect(esm.checkLeaks).toBe(cjs.checkLeaks);
  class Shared extends esm.ObjectRef {}
  const kept = [new Shared()];
  expect([...cjs.iterAll('Shared')]).toEqual(kept);
});

test("require('trackref/vitest') (a CommonJS setup file) fails with what to do instead", () => {
  expect(() => require('trackref/vitest')).toThrow(/trackref\/vitest is an ES module and cannot be loaded with require\(\)\. List it in the Vitest config instead \(test: \{ setupFiles: \['trackref\/vitest'\] \}\)/);
});
