/**
 * Seeded, scriptable fault injection. A fault spec is
 *
 *     kind[:param][@cmdN[#k]][~p]
 *
 *   data-crc[:b]       data CRC error on block b (1-based, default 1) of the matching data command
 *   data-timeout[:b]   read: block b never starts; write: block b's busy never ends → Data Timeout
 *   cmd-crc            response arrives with a bad CRC (the card DID execute the command)
 *   cmd-timeout        the command never reaches the card → Command Timeout
 *   busy:5ms|forever   the card stays busy that much longer after the matching R1b command / write
 *   power-loss:N       the card loses power after N more blocks are written; later blocks never reach the backing
 *   stuck[:b]          the in-flight transfer stops making progress at block b (no more events until a reset)
 *
 *   @cmd25#2           only the 2nd CMD25 (after `#k` is omitted: every CMD25); without @: any command
 *   ~0.1               fire with probability 0.1 at every eligible event (seeded); without ~: fire once
 *
 * The bus (src/device/sd-bus.ts) applies wire faults (CRC, timeouts, stuck); the card applies busy
 * and power loss. Both ask the injector, which counts commands per index.
 */

import { NS_PER_MS, NS_PER_S, NS_PER_US } from './clock.js';
import { Prng } from '../lib/prng.js';

export const FAULT_KINDS = ['data-crc', 'data-timeout', 'cmd-crc', 'cmd-timeout', 'busy', 'power-loss', 'stuck'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** data-crc/data-timeout/stuck: 1-based block; power-loss: blocks that still reach the backing */
  blocks?: number;
  /** busy: extra busy in ns, or 'forever' */
  busy?: number | 'forever';
  target?: { cmd: number; nth?: number };
  probability?: number;
  /** original text */
  text: string;
}

export class FaultSpecError extends Error {
  constructor(text: string, why: string) {
    super(`bad fault spec "${text}": ${why}`);
    this.name = 'FaultSpecError';
  }
}

export function parseDuration(s: string): number | 'forever' {
  if (s === 'forever' || s === 'inf') return 'forever';
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s)?$/.exec(s);
  if (!m) throw new Error(`bad duration "${s}"`);
  const unit = { ns: 1, us: NS_PER_US, ms: NS_PER_MS, s: NS_PER_S }[(m[2] ?? 'ns') as 'ns' | 'us' | 'ms' | 's'];
  return Math.round(Number(m[1]) * unit);
}

export function parseFault(text: string): FaultSpec {
  const m = /^([a-z-]+)(?::([^@~]+))?(?:@cmd(\d+)(?:#(\d+))?)?(?:~([0-9.]+))?$/.exec(text.trim());
  if (!m) throw new FaultSpecError(text, 'expected kind[:param][@cmdN[#k]][~p]');
  const kind = m[1] as FaultKind;
  if (!FAULT_KINDS.includes(kind)) throw new FaultSpecError(text, `unknown kind (one of ${FAULT_KINDS.join(', ')})`);
  const spec: FaultSpec = { kind, text };
  const param = m[2];
  const int = (s: string, what: string, min: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new FaultSpecError(text, `${what} must be an integer ≥ ${min}`);
    return n;
  };
  switch (kind) {
    case 'busy':
      if (!param) throw new FaultSpecError(text, 'busy needs a duration, e.g. busy:5ms or busy:forever');
      try {
        spec.busy = parseDuration(param);
      } catch (e) {
        throw new FaultSpecError(text, (e as Error).message);
      }
      break;
    case 'power-loss':
      if (param === undefined) throw new FaultSpecError(text, 'power-loss needs a block count, e.g. power-loss:3');
      spec.blocks = int(param, 'block count', 0);
      break;
    case 'data-crc':
    case 'data-timeout':
    case 'stuck':
      spec.blocks = param === undefined ? 1 : int(param, 'block number', 1);
      break;
    case 'cmd-crc':
    case 'cmd-timeout':
      if (param !== undefined) throw new FaultSpecError(text, `${kind} takes no parameter`);
      break;
  }
  if (m[3] !== undefined) {
    const cmd = int(m[3], 'command index', 0);
    if (cmd > 63) throw new FaultSpecError(text, 'command index must be ≤ 63');
    spec.target = m[4] !== undefined ? { cmd, nth: int(m[4], 'occurrence', 1) } : { cmd };
  }
  if (m[5] !== undefined) {
    const p = Number(m[5]);
    if (!(p >= 0 && p <= 1)) throw new FaultSpecError(text, 'probability must be within 0..1');
    spec.probability = p;
  }
  return spec;
}

/** Comma-separated list of specs. */
export const parseFaults = (text: string | readonly string[]): FaultSpec[] =>
  (typeof text === 'string' ? text.split(',') : [...text]).filter((s) => s.trim() !== '').map(parseFault);

export interface CommandTicket {
  index: number;
  /** 1-based occurrence of this command index */
  nth: number;
}

interface Armed {
  spec: FaultSpec;
  fired: boolean;
  /** power-loss: blocks written so far under this fault */
  written: number;
}

export type FaultListener = (kind: FaultKind, detail: string) => void;

export class FaultInjector {
  private armed: Armed[];
  private counts = new Map<number, number>();
  /** probabilistic faults draw from one seeded stream, so a seed replays the same run */
  private readonly rand: Prng;
  /** the command most recently put on the bus */
  current: CommandTicket | undefined;
  /** the data command whose data phase is running (its ticket) and its block counter */
  private dataTicket: CommandTicket | undefined;
  private dataBlock = 0;
  /** every fault that fired, in order (tests, inspect) */
  readonly log: { kind: FaultKind; detail: string }[] = [];
  onFire: FaultListener | undefined;
  /** called when a fault is armed at run time (the board settles a bulk transfer first) */
  onArm: (() => void) | undefined;

  constructor(specs: readonly FaultSpec[] | string = [], seed = 1) {
    const list = typeof specs === 'string' ? parseFaults(specs) : specs;
    this.armed = list.map((spec) => ({ spec, fired: false, written: 0 }));
    this.rand = new Prng(seed);
  }

  add(spec: FaultSpec | string): void {
    this.onArm?.();
    this.armed.push({ spec: typeof spec === 'string' ? parseFault(spec) : spec, fired: false, written: 0 });
  }

  get specs(): readonly FaultSpec[] {
    return this.armed.map((a) => a.spec);
  }

  /** Called by the bus for every command put on the wire. */
  noteCommand(index: number, isData: boolean): CommandTicket {
    const nth = (this.counts.get(index) ?? 0) + 1;
    this.counts.set(index, nth);
    this.current = { index, nth };
    if (isData) {
      this.dataTicket = this.current;
      this.dataBlock = 0;
    }
    return this.current;
  }

  private matches(a: Armed, t: CommandTicket | undefined): boolean {
    const tg = a.spec.target;
    if (!tg) return true;
    if (!t || t.index !== tg.cmd) return false;
    return tg.nth === undefined || tg.nth === t.nth;
  }

  /** Decide whether an eligible armed fault fires now (once, or by probability). */
  private fire(a: Armed, detail: string): boolean {
    if (a.spec.probability !== undefined) {
      if (this.rand.next() >= a.spec.probability) return false;
    } else {
      if (a.fired) return false;
      a.fired = true;
    }
    this.log.push({ kind: a.spec.kind, detail });
    this.onFire?.(a.spec.kind, detail);
    return true;
  }

  private find(kinds: readonly FaultKind[], t: CommandTicket | undefined, extra: (a: Armed) => boolean = () => true): Armed | undefined {
    if (this.armed.length === 0) return undefined; // asked per command and per block: nothing armed is the common case
    return this.armed.find(
      (a) => kinds.includes(a.spec.kind) && (a.spec.probability !== undefined || !a.fired) && this.matches(a, t) && extra(a),
    );
  }

  /** Wire fault for the command just noted: 'timeout' (never delivered) or 'crc' (delivered, response corrupt). */
  commandFault(): 'timeout' | 'crc' | undefined {
    if (this.armed.length === 0) return undefined;
    const t = this.current;
    for (const kind of ['cmd-timeout', 'cmd-crc'] as const) {
      const a = this.find([kind], t);
      if (a && this.fire(a, `CMD${t?.index}#${t?.nth}`)) return kind === 'cmd-timeout' ? 'timeout' : 'crc';
    }
    return undefined;
  }

  /**
   * No armed fault can fire on a data block (data-crc, data-timeout, stuck, power-loss): the
   * controller and card may then move a run of blocks in one call (bulk transfer). `busy` and the
   * command faults act once per command and stay exact on the bulk path.
   */
  get dataQuiet(): boolean {
    return !this.armed.some((a) => a.spec.kind !== 'busy' && a.spec.kind !== 'cmd-crc' && a.spec.kind !== 'cmd-timeout' && (a.spec.probability !== undefined || !a.fired));
  }

  /** A bulk transfer moved `n` blocks without asking per block (keeps the block counter exact). */
  skipBlocks(n: number): void {
    this.dataBlock += n;
  }

  /** Wire fault for the next data block of the running data command (call once per block). */
  dataBlockFault(): 'crc' | 'timeout' | 'stuck' | undefined {
    this.dataBlock++;
    if (this.armed.length === 0) return undefined; // (before the kind list and filter are built: per block)
    const t = this.dataTicket;
    const a = this.find(['data-crc', 'data-timeout', 'stuck'], t, (x) => (x.spec.blocks ?? 1) === this.dataBlock);
    if (!a || !this.fire(a, `CMD${t?.index}#${t?.nth} block ${this.dataBlock}`)) return undefined;
    return a.spec.kind === 'data-crc' ? 'crc' : a.spec.kind === 'data-timeout' ? 'timeout' : 'stuck';
  }

  /** Card: may this block reach the backing? false = power is lost now. */
  allowBlockWrite(): boolean {
    if (this.armed.length === 0) return true; // (per block: no kind list built)
    const t = this.dataTicket;
    const a = this.find(['power-loss'], t);
    if (!a) return true;
    if (a.written < (a.spec.blocks ?? 0)) {
      a.written++;
      return true;
    }
    return !this.fire(a, `after ${a.written} block(s) of CMD${t?.index}#${t?.nth}`);
  }

  /** Card: extra busy for the busy span of command `t` (default: the last command on the bus). */
  extraBusy(t: CommandTicket | undefined = this.current): number | 'forever' {
    if (this.armed.length === 0) return 0; // (per written block: no kind list built)
    const a = this.find(['busy'], t);
    if (!a || !this.fire(a, `CMD${t?.index}#${t?.nth} +${a.spec.busy}`)) return 0;
    return a.spec.busy ?? 0;
  }
}
