// Live objects on retainer paths: found by heap id (a whole-heap walk each) only where property and
// element reads cannot reach them, so the paths of one report share one walk.
import * as inspector from 'node:inspector';
import { ObjectRef } from 'trackref';
import { describe, expect, test } from 'vitest';
import { heapIdsOf, objectsByHeapIds, withSession } from '../../src/heap-query';
import { PathObjects } from '../../src/path-objects';
import type { HeapGraph } from '../../src/snapshot/graph';
import { takeSnapshotWith } from '../../src/snapshot/take';

class Request extends ObjectRef {
  constructor(
    readonly url: string,
    readonly meta: { referer: HtmlResponse },
  ) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

/** Holds its request in a private field: the snapshot names the edge `#held`, which no property read can follow. */
class Holder {
  #held: Request;
  constructor(held: Request) {
    this.#held = held;
  }
  held(): Request {
    return this.#held;
  }
}

const crawl = { queue: [] as Request[], byUrl: new Map<string, Request>(), holders: [] as Holder[] };

// Filled in functions of their own, so that no test frame's registers hold the last objects made.
function fillQueue(): void {
  crawl.byUrl = new Map();
  crawl.queue = [0, 1, 2].map((i) => new Request(`/p${i}`, { referer: new HtmlResponse(`/r${i}`) }));
}

function fillMap(): void {
  crawl.queue = [];
  crawl.byUrl = new Map();
  for (const url of ['/p0', '/p1']) crawl.byUrl.set(url, new Request(url, { referer: new HtmlResponse(`${url}r`) }));
}

function fillHolders(): void {
  crawl.queue = [];
  crawl.byUrl = new Map();
  crawl.holders = [new Holder(new Request('/held', { referer: new HtmlResponse('/held-r') }))];
}

/** For each object: its path's edges and the index of the edge that reaches a `Request`. */
function pathsTo(session: inspector.Session, graph: HeapGraph, objects: object[]): Array<{ edges: number[]; request: number }> {
  const ids = heapIdsOf(session, objects);
  const nodes = graph.nodesById(ids);
  return ids.map((id) => {
    const edges = graph.pathTo(nodes.get(id)!)!;
    const request = edges.findIndex((edge) => graph.nodeName(graph.edgeTo(edge)) === 'Request');
    expect(request).toBeGreaterThan(0);
    return { edges, request };
  });
}

describe('objects on retainer paths', () => {
  test('three paths through one array: one heap walk finds all three requests', () => {
    fillQueue();
    withSession((session) => {
      const graph = takeSnapshotWith(session);
      // Listed after the snapshot, so that no array of them is on its paths.
      const responses = crawl.queue.map((request) => request.meta.referer);
      let walks = 0;
      const live = new PathObjects(graph, (ids) => {
        walks += ids.length;
        return objectsByHeapIds(session, ids);
      });
      const found = pathsTo(session, graph, responses).map(({ edges, request }) => live.objectAt(edges, request));
      expect(found).toEqual(crawl.queue);
      expect(found[2]).toBe(crawl.queue[2]);
      expect(walks).toBe(1);
      expect(live.lookups).toBe(1);
    });
  });

  test('a path through a Map value (not a plain read) looks its object up by id', () => {
    fillMap();
    withSession((session) => {
      const graph = takeSnapshotWith(session);
      const requests = [...crawl.byUrl.values()];
      const live = new PathObjects(graph, (ids) => objectsByHeapIds(session, ids));
      const found = pathsTo(session, graph, requests.map((request) => request.meta.referer)).map(({ edges, request }) => live.objectAt(edges, request));
      expect(found[0]).toBe(requests[0]);
      expect(found[1]).toBe(requests[1]);
      expect(live.lookups).toBe(2);
    });
  });

  test('where a read cannot follow the path (a private field), the object is looked up by id', () => {
    fillHolders();
    withSession((session) => {
      const graph = takeSnapshotWith(session);
      const request = crawl.holders[0]!.held();
      const live = new PathObjects(graph, (ids) => objectsByHeapIds(session, ids));
      const [{ edges, request: at }] = pathsTo(session, graph, [request.meta.referer]);
      expect(graph.edgeName(edges[at]!)).toBe('#held');
      expect(live.objectAt(edges, at)).toBe(request);
      // The holder was found first (one walk), the private field could not be read, so a second walk.
      expect(live.lookups).toBe(2);
    });
  });
});
