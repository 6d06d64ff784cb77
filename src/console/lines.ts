/**
 * Splits a connection's decoded bytes into lines (LF-terminated) and bounds how long one line may
 * grow, so a client that never sends a newline cannot make the host buffer without limit. Must never
 * keep more than one partial line.
 */

export interface LineResult {
  lines: string[];
  overflow: boolean;
}

export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private maxBytes: number) {}

  /** Changes the bound (after login the console accepts longer lines than before). */
  setLimit(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  /**
   * The complete lines in `chunk` (UTF-8, without their LF). `overflow` is true when a line grew past
   * the bound; the lines before it are still returned, and nothing after it is kept.
   */
  push(chunk: Buffer): LineResult {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      const pieceBytes = (end === -1 ? chunk.length : end) - start;
      if (this.partialBytes + pieceBytes > this.maxBytes) {
        this.partial = [];
        this.partialBytes = 0;
        return { lines, overflow: true };
      }
      if (end === -1) {
        if (pieceBytes > 0) {
          this.partial.push(chunk.subarray(start));
          this.partialBytes += pieceBytes;
        }
        return { lines, overflow: false };
      }
      this.partial.push(chunk.subarray(start, end));
      lines.push(Buffer.concat(this.partial).toString('utf8'));
      this.partial = [];
      this.partialBytes = 0;
      start = end + 1;
    }
  }
}
