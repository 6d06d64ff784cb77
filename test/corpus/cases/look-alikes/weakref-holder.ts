// Look-alike: a crawler's debug console shows "recently seen responses" through WeakRefs only, so
// it never keeps a response alive; dead refs are pruned on the next call. The responses are a
// library's class, tracked with track().
import { track } from 'trackref';
import type { LookAlikeCase } from '../../case';

class FetchResponse {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {}
}

let recent: Array<WeakRef<FetchResponse>> = [];
let fetched = 0;

function fetchAndWatch(): void {
  recent = recent.filter((ref) => ref.deref() !== undefined);
  const response = track(new FetchResponse(`http://shop.test/p${fetched++}`, 200));
  recent.push(new WeakRef(response));
}

export default {
  kind: 'look-alike',
  name: 'responses held only through WeakRefs',
  target: FetchResponse,
  fn: fetchAndWatch,
  options: { runs: 3 },
  because: 'a WeakRef does not keep its target alive once the job that created it has ended',
} satisfies LookAlikeCase;
