// Look-alike: the spider and its settings are created when the module loads, before any check.
// fn only reads the settings and bumps the spider's stats, so nothing new stays alive, even with
// no warm-up call at all.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Settings {
  constructor(private readonly values: ReadonlyMap<string, number>) {}

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
}

class Spider extends ObjectRef {
  readonly stats = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly settings: Settings,
  ) {
    super();
  }
}

const spider = new Spider('shop', new Settings(new Map([['DEPTH_LIMIT', 3], ['CONCURRENT_REQUESTS', 8]])));

function parsePage(): void {
  const depth = (spider.stats.get('depth') ?? 0) % spider.settings.get('DEPTH_LIMIT');
  spider.stats.set('depth', depth + 1);
  spider.stats.set('pages', (spider.stats.get('pages') ?? 0) + 1);
}

export default {
  kind: 'look-alike',
  name: 'objects created at module load, only read and mutated',
  target: [Spider, Settings],
  fn: parsePage,
  options: { warmup: 0, runs: 3 },
  because: 'the spider and settings existed before the baseline; fn creates no new instance',
} satisfies LookAlikeCase;
