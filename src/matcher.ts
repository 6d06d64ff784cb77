/**
 * The `toLeak` matcher, one implementation for Jest and Vitest: validates input, runs `checkLeaks`,
 * and turns the report into the runner's pass/message shape with the runner's own matcher utilities
 * (hint and colours). Adapters only register it. Never retains `fn`, its result or counted objects.
 */
import { CheckAbandoned, runCheck } from './check';
import { TrackrefError } from './errors';
import { describeValue } from './object-ref';
import { finishCheck, mustStop, noteCall, noteCalled, noteReport, noteStep, remainingMs, startCheck } from './pending';
import { ReportStyle } from './report';
import { MatcherArguments, isPlainObject, matcherArguments, targetLabel } from './targets';

/** The parts of Jest's and Vitest's matcher context that `toLeak` uses. */
export interface MatcherContextLike {
  isNot?: boolean;
  promise?: string;
  currentTestName?: string;
  utils: {
    matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean; promise?: string; secondArgument?: string }): string;
    EXPECTED_COLOR(text: string): string;
    RECEIVED_COLOR(text: string): string;
    DIM_COLOR(text: string): string;
    BOLD_WEIGHT(text: string): string;
  };
}

export interface MatcherResultLike {
  pass: boolean;
  message: () => string;
}

function styleOf(context: MatcherContextLike): ReportStyle {
  const { utils } = context;
  return { received: utils.RECEIVED_COLOR, expected: utils.EXPECTED_COLOR, dim: utils.DIM_COLOR, bold: utils.BOLD_WEIGHT };
}

/**
 * `expected` is what the user passed after the received value, as the runner hands it over: its
 * length tells `toLeak()` (every tracked class) from `toLeak(undefined)` (an error).
 */
export async function toLeak(this: MatcherContextLike, received: unknown, ...expected: unknown[]): Promise<MatcherResultLike> {
  const isNot = this.isNot === true;
  const call = (label: string): string => `expect(fn)${isNot ? '.not' : ''}.toLeak(${label})`;
  const matcherError = (label: string, text: string): Error =>
    new TrackrefError(`${this.utils.matcherHint('toLeak', 'fn', label, { isNot, promise: this.promise ?? '' })}\n\n${this.utils.BOLD_WEIGHT('Matcher error')}: ${text}`);
  let args: MatcherArguments;
  try {
    args = matcherArguments(expected);
  } catch (error) {
    if (error instanceof Error && error.name === 'TrackrefError') throw matcherError(expected.map(describeArgument).join(', '), error.message);
    throw error;
  }
  const hint = this.utils.matcherHint('toLeak', 'fn', args.label, { isNot, promise: this.promise ?? '' });
  const plainHint = call(args.label);
  if (typeof received !== 'function') {
    throw new TrackrefError(
      `${hint}\n\n${this.utils.BOLD_WEIGHT('Matcher error')}: the received value must be a function that runs the code to check.\n\n` +
        `Received: ${this.utils.RECEIVED_COLOR(describeValue(received))}\n` +
        `Wrap the code in a function: await expect(() => crawl(spider)).not.toLeak(${args.label || 'HtmlResponse'})`,
    );
  }
  const pending = startCheck(this.currentTestName, plainHint);
  const style = styleOf(this);
  let report;
  try {
    report = await runCheck(received, args.target as never, args.options as never, {
      abandoned: () => mustStop(pending),
      calling: (which, calls, plan) => noteCall(pending, which, calls, plan),
      remainingMs: () => remainingMs(pending),
      step: (what) => noteStep(pending, what),
      called: (ms) => noteCalled(pending, ms),
      decided: (found) => noteReport(pending, found.format({ isNot, hint, style })),
    });
  } catch (error) {
    if (error instanceof CheckAbandoned || pending.abandoned) {
      // The test already failed (not awaited, or out of time) and has ended: settle never, so the
      // runner does not process a result for a test that is over.
      return new Promise<never>(() => undefined);
    }
    if (error instanceof Error && error.name === 'TrackrefError') {
      error.message = `${hint}\n\n${this.utils.BOLD_WEIGHT('Matcher error')}: ${error.message}`;
    }
    throw error;
  } finally {
    finishCheck(pending);
  }
  if (pending.abandoned) return new Promise<never>(() => undefined);
  const message = report.format({ isNot, hint, style });
  return { pass: report.leaked, message: () => message };
}

/** An argument as the hint of a rejected call shows it (`undefined`, `null`, `HtmlResponse`). */
function describeArgument(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  return isPlainObject(value) ? 'options' : targetLabel(value);
}
