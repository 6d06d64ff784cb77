// The mini spider framework in one import: requests/responses, items, selectors, spiders, the
// scheduler and engine, the local shop server and the two example spiders.
// `import { crawl, ExampleSpider, start } from './index'`.
export * from './http';
export * from './item';
export * from './selector';
export * from './spider';
export * from './scheduler';
export * from './engine';
export * from './server';
export * from './catalogue';
export * from './example-spider';
export * from './somenasty-spider';
