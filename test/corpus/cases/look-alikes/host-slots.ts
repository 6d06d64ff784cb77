// Look-alike: per-host download slots. The crawler visits the same three hosts on every call; the
// first call creates a slot per host and keeps it on purpose (it tracks concurrency and delays);
// later calls find the slots and only update them.
import { track } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HostSlot {
  active = 0;
  lastSeen = 0;

  constructor(readonly host: string) {}
}

const HOSTS = ['shop.test', 'cdn.shop.test', 'api.shop.test'];
const slots = new Map<string, HostSlot>();
let visits = 0;

function slotFor(host: string): HostSlot {
  let slot = slots.get(host);
  if (slot === undefined) {
    slot = track(new HostSlot(host));
    slots.set(host, slot);
  }
  return slot;
}

function crawlRound(): void {
  for (const host of HOSTS) {
    const slot = slotFor(host);
    slot.active++;
    slot.lastSeen = ++visits;
    slot.active--;
  }
}

export default {
  kind: 'look-alike',
  name: 'per-host slots made by an earlier call and reused',
  target: HostSlot,
  fn: crawlRound,
  options: { runs: 3 },
  because: 'the warm-up call creates one slot per host; later calls reuse them, and the hosts never change',
} satisfies LookAlikeCase;
