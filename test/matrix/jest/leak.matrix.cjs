// Runtime fixture of the compatibility matrix, CommonJS consumer with Jest's global `expect`.
// scripts/matrix.mjs runs it and checks the JSON result: `clean` and `positive` pass, `leaky` fails
// with trackref's report.
const { ObjectRef } = require('trackref');

class HtmlResponse extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
  }
}

const kept = [];

test('clean', async () => {
  await expect(() => {
    for (let i = 0; i < 20; i++) new HtmlResponse(`http://example.com/${i}`);
  }).not.toLeak(HtmlResponse);
});

test('leaky', async () => {
  await expect(() => {
    kept.push(new HtmlResponse(`http://nasty/product.php?pid=${kept.length}`));
  }).not.toLeak(HtmlResponse);
});

test('positive', async () => {
  await expect(async () => {
    kept.push(new HtmlResponse('http://nasty/again'));
  }).toLeak('HtmlResponse');
});
