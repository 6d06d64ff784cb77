// The registry (Scrapy's trackref in camelCase): formatLiveRefs, getOldest, iterAll, track, and the
// promise that the registry never keeps an object alive. Real objects, real garbage collection.
import { afterEach, describe, expect, test } from 'vitest';
import { ObjectRef, TrackrefError, collectGarbage, formatLiveRefs, getOldest, iterAll, prefs, printLiveRefs, track } from 'trackref';

/** Objects a test keeps alive on purpose; emptied (and collected) after every test. */
let keep: object[] = [];

afterEach(async () => {
  keep = [];
  await collectGarbage();
});

/** The registry lines of formatLiveRefs(), by class name: [count, oldest seconds]. */
function liveLines(text = formatLiveRefs()): Map<string, { count: number; seconds: number; line: string }> {
  const lines = new Map<string, { count: number; seconds: number; line: string }>();
  for (const line of text.split('\n').slice(2)) {
    if (line === '') continue;
    const match = /^(.{30}) ([ \d]{6})   oldest: (\d+)s ago$/.exec(line);
    if (match === null) throw new Error(`formatLiveRefs line not in Scrapy's shape: ${JSON.stringify(line)}`);
    lines.set(match[1]!.trimEnd(), { count: Number(match[2]), seconds: Number(match[3]), line });
  }
  return lines;
}

describe('formatLiveRefs', () => {
  test("has Scrapy's shape: header, blank line, one aligned line per class sorted by name", async () => {
    class Zebra extends ObjectRef {}
    class Apple extends ObjectRef {}
    class Mango extends ObjectRef {}
    for (let i = 0; i < 3; i++) keep.push(new Zebra());
    keep.push(new Apple());
    for (let i = 0; i < 12; i++) keep.push(new Mango());

    const text = formatLiveRefs();
    // Nothing else is tracked in this test file's process at this point (every test cleans up).
    expect(text).toMatch(
      new RegExp(
        '^Live References\\n\\n' +
          'Apple                               1   oldest: \\d+s ago\\n' +
          'Mango                              12   oldest: \\d+s ago\\n' +
          'Zebra                               3   oldest: \\d+s ago\\n$',
      ),
    );
    // Exact columns: name padded to 30, one space, count right-aligned in 6, three spaces.
    const apple = text.split('\n')[2]!;
    expect(apple.slice(0, 30)).toBe('Apple'.padEnd(30));
    expect(apple.slice(30, 37)).toBe(' ' + '1'.padStart(6));
    expect(apple.slice(37)).toMatch(/^ {3}oldest: \d+s ago$/);
  });

  test('with nothing tracked alive it is just the header', async () => {
    await collectGarbage();
    expect(formatLiveRefs()).toBe('Live References\n\n');
  });

  test('counts objects passed to track(), whatever their class', () => {
    class LibRequest {
      constructor(readonly url: string) {}
    }
    keep.push(track(new LibRequest('http://example.com/1')), track(new LibRequest('http://example.com/2')));
    keep.push(track(new Map()));
    keep.push(track({ plain: true }));
    const lines = liveLines();
    expect(lines.get('LibRequest')?.count).toBe(2);
    expect(lines.get('Map')?.count).toBe(1);
    expect(lines.get('Object')?.count).toBe(1);
  });

  test('ignore takes a class and leaves out its subclasses too', () => {
    class Spider extends ObjectRef {}
    class BigSpider extends Spider {}
    class Request extends ObjectRef {}
    keep.push(new Spider(), new BigSpider(), new BigSpider(), new Request());
    const all = liveLines();
    expect([...all.keys()]).toEqual(['BigSpider', 'Request', 'Spider']);

    const withoutSpiders = liveLines(formatLiveRefs({ ignore: Spider }));
    expect([...withoutSpiders.keys()]).toEqual(['Request']);
    expect(withoutSpiders.get('Request')?.count).toBe(1);
  });

  test('ignore takes an array of classes', () => {
    class Spider extends ObjectRef {}
    class Request extends ObjectRef {}
    class Response extends ObjectRef {}
    keep.push(new Spider(), new Request(), new Response());
    expect([...liveLines(formatLiveRefs({ ignore: [Spider, Response] })).keys()]).toEqual(['Request']);
  });

  test('ignore applies to classes of objects passed to track()', () => {
    class LibRequest {}
    class LibFormRequest extends LibRequest {}
    class Other {}
    keep.push(track(new LibRequest()), track(new LibFormRequest()), track(new Other()));
    expect([...liveLines(formatLiveRefs({ ignore: LibRequest })).keys()]).toEqual(['Other']);
  });

  test('printLiveRefs and its alias prefs print formatLiveRefs() to the console', () => {
    class Printed extends ObjectRef {}
    keep.push(new Printed());
    expect(prefs).toBe(printLiveRefs);
    const printed: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => {
      printed.push(args);
    };
    try {
      prefs();
      printLiveRefs({ ignore: Printed });
    } finally {
      console.log = original;
    }
    expect(printed).toHaveLength(2);
    expect(String(printed[0]![0])).toMatch(/^Live References\n\nPrinted {24}\s+1 {3}oldest: \d+s ago\n$/);
    expect(String(printed[1]![0])).toBe('Live References\n\n');
  });
});

describe('getOldest and iterAll', () => {
  test('iterAll yields live instances oldest first', () => {
    class Item extends ObjectRef {
      constructor(readonly n: number) {
        super();
      }
    }
    const items = [new Item(1), new Item(2), new Item(3)];
    keep.push(...items);
    expect([...iterAll(Item)]).toEqual(items);
    expect([...iterAll(Item)].map((item) => item.n)).toEqual([1, 2, 3]);
    expect([...iterAll('Item')]).toEqual(items);
  });

  test('iterAll is empty and getOldest undefined when there is no live instance', () => {
    class NeverMade extends ObjectRef {}
    expect([...iterAll(NeverMade)]).toEqual([]);
    expect(getOldest(NeverMade)).toBeUndefined();
    expect([...iterAll('NoClassHasThisName')]).toEqual([]);
    expect(getOldest('NoClassHasThisName')).toBeUndefined();
  });

  test('by name: only instances of the class with exactly that name (Scrapy semantics)', () => {
    class Response extends ObjectRef {
      constructor(readonly url: string) {
        super();
      }
    }
    class HtmlResponse extends Response {}
    const html = new HtmlResponse('http://example.com/html');
    const plain = new Response('http://example.com/plain');
    keep.push(html, plain);
    expect(getOldest('Response')).toBe(plain);
    expect([...iterAll('Response')]).toEqual([plain]);
    expect(getOldest('HtmlResponse')).toBe(html);
  });

  test('by class: instances of the class and its subclasses', () => {
    class Response extends ObjectRef {
      constructor(readonly url: string) {
        super();
      }
    }
    class HtmlResponse extends Response {}
    const html = new HtmlResponse('http://example.com/html');
    const plain = new Response('http://example.com/plain');
    keep.push(html, plain);
    expect(getOldest(Response)).toBe(html);
    expect([...iterAll(Response)]).toEqual([html, plain]);
    expect([...iterAll(HtmlResponse)]).toEqual([html]);
  });

  test('finds objects passed to track(), by name and by class', () => {
    class LibRequest {
      constructor(readonly url: string) {}
    }
    const first = track(new LibRequest('http://example.com/first'));
    const second = track(new LibRequest('http://example.com/second'));
    keep.push(first, second);
    expect(getOldest(LibRequest)).toBe(first);
    expect(getOldest('LibRequest')).toBe(first);
    expect([...iterAll(LibRequest)]).toEqual([first, second]);
  });

  test('tracked and ObjectRef objects are ordered together by creation', () => {
    class Base {}
    class Stamped extends ObjectRef {}
    const a = track(new Base());
    const b = new Stamped();
    const c = track(new Base());
    keep.push(a, b, c);
    expect([...iterAll(Base)]).toEqual([a, c]);
    expect(getOldest(Base)).toBe(a);
    expect(getOldest(Stamped)).toBe(b);
  });
});

describe('track', () => {
  test('returns the object it was given, and tracking twice counts once', () => {
    class LibRequest {}
    const request = new LibRequest();
    expect(track(request)).toBe(request);
    expect(track(request)).toBe(request);
    keep.push(request);
    expect(liveLines().get('LibRequest')?.count).toBe(1);
  });

  test('an ObjectRef passed to track() is not counted twice', () => {
    class Stamped extends ObjectRef {}
    const stamped = new Stamped();
    expect(track(stamped)).toBe(stamped);
    keep.push(stamped);
    expect(liveLines().get('Stamped')?.count).toBe(1);
  });

  test.each([
    ['a number', 42, 'the number 42'],
    ['a string', 'http://example.com', 'the string'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a boolean', true, 'the boolean true'],
  ])('of %s throws a TrackrefError saying what to pass', (_what, value, described) => {
    let error: unknown;
    try {
      track(value as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TrackrefError);
    const message = (error as Error).message;
    expect(message).toContain('track()');
    expect(message).toContain(described);
    expect(message).toMatch(/Pass the object/);
    expect((error as Error).name).toBe('TrackrefError');
  });
});

describe('the registry never keeps an object alive', () => {
  class Dropped extends ObjectRef {
    payload = new Array(100).fill(0);
  }
  class LibDropped {
    payload = new Array(100).fill(0);
  }

  /** Creates objects (tracked both ways), queries the registry, returns only weak references. */
  function makeAndQuery(): WeakRef<object>[] {
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 5; i++) {
      const stamped = new Dropped();
      const tracked = track(new LibDropped());
      refs.push(new WeakRef(stamped), new WeakRef(tracked));
    }
    // Touch every query path while the objects are alive.
    expect(liveLines().get('Dropped')?.count).toBe(5);
    expect(liveLines().get('LibDropped')?.count).toBe(5);
    expect([...iterAll(Dropped)]).toHaveLength(5);
    expect([...iterAll(LibDropped)]).toHaveLength(5);
    expect(getOldest('Dropped')).toBeInstanceOf(Dropped);
    expect(getOldest(LibDropped)).toBeInstanceOf(LibDropped);
    return refs;
  }

  test('after dropping them and collecting, nothing is counted and weak references are cleared', async () => {
    const refs = makeAndQuery();
    await collectGarbage();
    expect(refs.every((ref) => ref.deref() === undefined)).toBe(true);
    const lines = liveLines();
    expect(lines.has('Dropped')).toBe(false);
    expect(lines.has('LibDropped')).toBe(false);
    expect([...iterAll(Dropped)]).toEqual([]);
    expect([...iterAll(LibDropped)]).toEqual([]);
    expect(getOldest(Dropped)).toBeUndefined();
    expect(getOldest('LibDropped')).toBeUndefined();
  });

  test('a tracked object held only through a WeakRef is collected', async () => {
    const ref = ((): WeakRef<object> => new WeakRef(track({ url: 'http://example.com/weak' })))();
    await collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });
});
