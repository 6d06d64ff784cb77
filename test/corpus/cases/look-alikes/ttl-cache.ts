// Look-alike: a DNS cache whose entries expire after a short TTL. Each entry schedules its own
// expiry on an unref'd timer, which deletes it 50 ms after it was stored. Right after fn returns the
// entry is still cached; moments later it is gone.
import type { LookAlikeCase } from '../../case';

class DnsRecord {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {}
}

const TTL_MS = 50;
const cache = new Map<string, DnsRecord>();
let lookups = 0;

function resolveHost(): void {
  const host = `cdn${lookups++}.shop.test`;
  const record = new DnsRecord(host, `10.0.0.${lookups % 250}`);
  cache.set(host, record);
  setTimeout(() => {
    if (cache.get(host) === record) cache.delete(host);
  }, TTL_MS).unref();
}

export default {
  kind: 'look-alike',
  name: 'TTL cache whose entries expire 50 ms later',
  target: DnsRecord,
  fn: resolveHost,
  because: "an unref'd timer deletes each record 50 ms after fn stored it",
} satisfies LookAlikeCase;
