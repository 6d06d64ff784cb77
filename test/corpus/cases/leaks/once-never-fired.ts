// Leak: each download waits for the shared throttle's 'drain' event with `once`, to resume the
// paused response; the throttle is never saturated, so 'drain' never fires and the one-shot
// listeners (and their responses) pile up.
import { EventEmitter } from 'node:events';
import type { LeakCase } from '../../case';

class HtmlResponse {
  paused = true;
  constructor(readonly url: string) {}
}

const throttle = new EventEmitter();
throttle.setMaxListeners(0);
let next = 0;

function download(): void {
  const response = new HtmlResponse(`http://shop.test/drain/${next++}`);
  throttle.once('drain', function resume() {
    response.paused = false;
  });
}

export default {
  kind: 'leak',
  name: "once() listener for an event that never fires",
  target: HtmlResponse,
  fn: download,
  heldBy: "throttle listeners 'drain'[",
} satisfies LeakCase;
