/**
 * The telnet layer: strips telnet commands (IAC sequences, sub-negotiations) from what a client sends,
 * turns CR LF, CR NUL and lone CR into LF, answers option requests by refusing them (except ECHO,
 * which the console itself offers while a password is typed), and reports Ctrl-C (IAC IP). Works
 * across chunk boundaries; a sub-negotiation that never ends is given up after 1 KiB, so garbage
 * cannot swallow a session's input for good. Must never interpret the text itself.
 */

export const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const IP = 0xf4;
const SE = 0xf0;
export const ECHO = 0x01;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
/** Longest sub-negotiation skipped: past it, a missing IAC SE is presumed lost and data resumes. */
const MAX_SUBNEGOTIATION = 1024;

type State = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac' | 'cr';

export interface Decoded {
  /** The client's text, telnet commands removed, every line ending as LF. */
  data: Buffer;
  /** Bytes to send back (refusals of option requests). */
  reply: Buffer;
  /** The client pressed Ctrl-C (telnet Interrupt Process). */
  interrupt: boolean;
}

/** Decodes one connection's incoming bytes; keeps the telnet option state of that connection. */
export class TelnetDecoder {
  private state: State = 'data';
  private verb = 0;
  private subnegotiated = 0;
  /** Options the console has turned on (only ECHO, while a password is typed). */
  private readonly ours = new Set<number>();
  /** Options already refused, so each refusal is sent once (no negotiation loops). */
  private readonly refusedDo = new Set<number>();
  private readonly refusedWill = new Set<number>();

  /** The bytes that ask the client to stop (true) or resume (false) echoing what it types. */
  echoRequest(serverEchoes: boolean): Buffer {
    if (serverEchoes === this.ours.has(ECHO)) return Buffer.alloc(0);
    if (serverEchoes) this.ours.add(ECHO);
    else this.ours.delete(ECHO);
    return Buffer.from([IAC, serverEchoes ? WILL : WONT, ECHO]);
  }

  decode(chunk: Buffer): Decoded {
    const data: number[] = [];
    const reply: number[] = [];
    let interrupt = false;
    for (const byte of chunk) {
      switch (this.state) {
        case 'cr':
          this.state = 'data';
          data.push(LF);
          if (byte === LF || byte === NUL) break;
        // A lone CR: the byte after it is ordinary data.
        // falls through
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else if (byte === CR) this.state = 'cr';
          else if (byte !== NUL) data.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            data.push(IAC); // an escaped 0xFF data byte
            this.state = 'data';
          } else if (byte === DO || byte === DONT || byte === WILL || byte === WONT) {
            this.verb = byte;
            this.state = 'option';
          } else if (byte === SB) {
            this.state = 'sb';
            this.subnegotiated = 0;
          } else {
            if (byte === IP) interrupt = true;
            this.state = 'data'; // NOP, AYT, GA, ...: nothing to do
          }
          break;
        case 'option':
          this.answer(this.verb, byte, reply);
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else if (++this.subnegotiated > MAX_SUBNEGOTIATION) this.state = 'data';
          break;
        case 'sb-iac':
          this.state = byte === SE ? 'data' : 'sb';
          break;
      }
    }
    return { data: Buffer.from(data), reply: Buffer.from(reply), interrupt };
  }

  private answer(verb: number, option: number, reply: number[]): void {
    if (verb === DO) {
      // Agreement to an option the console offered needs no answer; anything else is refused once.
      if (!this.ours.has(option) && !this.refusedDo.has(option)) {
        this.refusedDo.add(option);
        reply.push(IAC, WONT, option);
      }
    } else if (verb === DONT) {
      this.ours.delete(option); // a refusal or an acknowledgement: either way, the option is off
    } else if (verb === WILL) {
      if (!this.refusedWill.has(option)) {
        this.refusedWill.add(option);
        reply.push(IAC, DONT, option);
      }
    }
    // WONT: the client's options are always off already.
  }
}
