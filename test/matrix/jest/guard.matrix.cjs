// Runtime fixture of the compatibility matrix: the per-test leak guard and the CI reporter as a
// user installs them (jest.guard.config.cjs). scripts/matrix.mjs checks that `guard clean` and
// `guard allowed` pass, that `guard leaky` fails with the guard's report, and the reporter's JSON.
const { ObjectRef } = require('trackref');
const { allowLeaks } = require('trackref/jest');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
  }
}

const pageCache = [];

test('guard clean', () => {
  for (let i = 0; i < 10; i++) new Page(`http://example.com/${i}`);
});

test('guard leaky', () => {
  pageCache.push(new Page('http://nasty.example/kept'));
});

test('guard allowed', () => {
  allowLeaks('fills the cache on purpose');
  pageCache.push(new Page('http://nasty.example/allowed'));
});
