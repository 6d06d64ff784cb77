// A check whose runs made no instance of the class passed, while none is alive either and another
// class of that name is loaded (a package installed twice: domhandler at the top and under
// htmlparser2, as cheerio users meet it), counted the wrong copy: it fails with what to pass instead,
// naming the other copy. A class fn does not make with no other copy loaded, a class fn made only
// during the warm-up (still alive), or a list of classes of which fn makes one, passes as before. Real modules loaded with require() from test/fixtures/two-copies (`packages/` stands for `node_modules/`, which git ignores).
import { createRequire } from 'node:module';
import { TrackrefError, checkLeaks } from 'trackref';
import { expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const topDomhandler = require('../fixtures/two-copies/packages/domhandler') as { Document: new (children: unknown[]) => object };
const htmlparser2 = require('../fixtures/two-copies/packages/htmlparser2') as { parseDocument(text: string): object };

test("the top copy's Document while the parser makes its own copy's: fails, naming the other copy", async () => {
  const error = await checkLeaks(() => void htmlparser2.parseDocument('<p>'), topDomhandler.Document).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TrackrefError);
  const message = (error as Error).message;
  expect(message).toMatch(/^toLeak\(Document\) counted nothing: fn made no Document during the check, and none is alive, while other classes of that name are loaded: /);
  expect(message).toContain('test/fixtures/two-copies/packages/htmlparser2/packages/domhandler/index.js');
  expect(message).toContain('pass the class of an object fn makes (obj.constructor)');
  // The class of an object the parser makes is counted.
  const made = htmlparser2.parseDocument('<p>').constructor as new () => object;
  expect((await checkLeaks(() => void htmlparser2.parseDocument('<p>'), made)).leaked).toBe(false);
});

class Lazy {}
let singleton: Lazy | undefined;
class Made {}
class NeverMade {}

test('a class fn does not make, with no other class of its name loaded, passes', async () => {
  const report = await checkLeaks(() => void new Made(), NeverMade);
  expect(report.leaked).toBe(false);
});

test('a class fn made only during the warm-up, still alive, passes', async () => {
  const report = await checkLeaks(() => {
    singleton ??= new Lazy();
  }, Lazy);
  expect(report.leaked).toBe(false);
});

test('a list of classes of which fn makes one passes', async () => {
  const report = await checkLeaks(() => void new Made(), [Made, NeverMade]);
  expect(report.leaked).toBe(false);
});
