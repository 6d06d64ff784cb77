/**
 * The error type for misuse of trackref (bad input, a check that cannot run). Its message always
 * says what to pass instead. Never used for leak verdicts, which are reports, not errors.
 */
export class TrackrefError extends Error {
  override name = 'TrackrefError';
}
