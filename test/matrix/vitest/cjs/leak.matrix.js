// Runtime fixture of the compatibility matrix, CommonJS consumer with Vitest: the tracked class
// comes from a CommonJS module (spiders.cjs) that requires 'trackref', while the matcher comes from
// the ESM setup file trackref/vitest — both must share one registry. scripts/matrix.mjs checks the
// JSON result: `clean` and `positive` pass, `leaky` fails with trackref's report.
import { expect, test } from 'vitest';
import { HtmlResponse, keep, parse } from './spiders.cjs';

test('clean', async () => {
  await expect(() => {
    for (let i = 0; i < 20; i++) parse(i);
  }).not.toLeak(HtmlResponse);
});

test('leaky', async () => {
  await expect(() => keep()).not.toLeak(HtmlResponse);
});

test('positive', async () => {
  await expect(async () => keep('http://nasty/again')).toLeak('HtmlResponse');
});
