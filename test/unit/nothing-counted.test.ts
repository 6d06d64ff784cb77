// A check with no target counts tracked objects only: in a process where none was ever made it counted
// nothing, and must say so instead of passing. Its own file: nothing may be tracked before it runs.
import { expect, test } from 'vitest';
import { TrackrefError, checkLeaks, track } from 'trackref';

const kept: Array<Map<string, number>> = [];

test('with nothing ever tracked, a check with no target fails with what to pass instead', async () => {
  const error = await checkLeaks(() => void kept.push(new Map())).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TrackrefError);
  expect((error as Error).message).toMatch(/^toLeak\(\) with no target counts tracked objects .* so the check counted nothing\. Pass the class to count, e\.g\. toLeak\(Map\)/);
  // With the class named, the same function is counted and caught.
  expect((await checkLeaks(() => void kept.push(new Map()), Map, { paths: false })).leaked).toBe(true);
  kept.length = 0;
});

test('once anything is tracked, a check with no target counts it and passes when nothing leaks', async () => {
  const tracked = track({ url: 'http://a/' });
  const report = await checkLeaks(() => void track({ url: 'http://b/' }));
  expect(report.leaked).toBe(false);
  void tracked;
});
