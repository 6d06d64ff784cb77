// The code under test of the matrix's CommonJS runtime fixture: a CommonJS module that takes
// ObjectRef through require('trackref'), as a CommonJS project's own code would.
const { ObjectRef } = require('trackref');

class HtmlResponse extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
  }
}

const kept = [];

function parse(i) {
  return new HtmlResponse(`http://example.com/${i}`);
}

function keep(url) {
  kept.push(new HtmlResponse(url ?? `http://nasty/product.php?pid=${kept.length}`));
}

module.exports = { HtmlResponse, parse, keep };
