/**
 * pstore/blk module parameters (fs/pstore/blk.c) and the related pstore core
 * and printk parameters, from CLI flags or a pasted kernel command line /
 * modprobe options line. Sizes are KiB, as the module parameters are.
 * Parameters of other modules (a block driver's, say) are left to the caller:
 * `parseParamString(text, foreign)` hands them over before calling them ignored.
 */
import yargsParser from 'yargs-parser';
import { BLK_DEFAULTS, BLKDEV_MAX, type BlkParams } from './blk-defaults.js';

export { BLK_DEFAULTS, BLKDEV_MAX, type BlkParams } from './blk-defaults.js';

/** Parameters of other subsystems that change what lands on disk or why nothing did. */
export interface RelatedParams {
  /** pstore.compress: "deflate" (default) or "none". */
  compress?: string;
  /** pstore.kmsg_bytes. */
  kmsgBytes?: number;
  /** printk.always_kmsg_dump. */
  alwaysKmsgDump?: boolean;
  /** crash_kexec_post_notifiers. */
  crashKexecPostNotifiers?: boolean;
}

export interface ParsedParams {
  blk: Partial<BlkParams>;
  related: RelatedParams;
  /** Tokens that belong to none of the above, kept for messages. */
  ignored: string[];
}

export class ParamError extends Error {}

/**
 * A parameter of a module this layer does not know (`mmcpstore.sector_offset=8`, or
 * `sector_offset=8` after `options mmcpstore`): true when the caller took it. Its parse errors
 * are ParamErrors, like ours.
 */
export type ForeignParam = (module: string | undefined, name: string, value: string, key: string) => boolean;

const BLK_KEYS: Record<string, keyof BlkParams> = {
  blkdev: 'blkdev',
  kmsg_size: 'kmsgSize',
  pmsg_size: 'pmsgSize',
  console_size: 'consoleSize',
  ftrace_size: 'ftraceSize',
  max_reason: 'maxReason',
  best_effort: 'bestEffort',
};

/** kstrtol(..., 0, ...): decimal, 0x hex or 0 octal, optional sign. */
export function parseKernelLong(key: string, text: string): number {
  const t = text.trim();
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(t);
  if (!m) throw new ParamError(`${key}: '${text}' is not a number`);
  const body = m[2]!;
  const value = body.toLowerCase().startsWith('0x') ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -value : value;
}

/** kstrtobool(): y/Y/1/on and n/N/0/off. */
export function parseKernelBool(key: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'y' || t === '1' || t === 'on' || t === 'yes' || t === 'true') return true;
  if (t === 'n' || t === '0' || t === 'off' || t === 'no' || t === 'false') return false;
  throw new ParamError(`${key}: '${text}' is not a boolean (y/n/1/0/on/off)`);
}

function setBlk(out: Partial<BlkParams>, field: keyof BlkParams, key: string, value: string): void {
  if (field === 'blkdev') {
    if (value.length > BLKDEV_MAX) throw new ParamError(`${key}: longer than ${BLKDEV_MAX} characters`);
    out.blkdev = value;
  } else if (field === 'bestEffort') {
    out.bestEffort = parseKernelBool(key, value);
  } else {
    out[field] = parseKernelLong(key, value);
  }
}

/**
 * Parse `pstore_blk.kmsg_size=64 pstore_blk.pmsg_size=128 ...` (a kernel
 * command line, unrelated tokens ignored), `kmsg_size=64 ...` (modprobe style)
 * or `options pstore_blk kmsg_size=64` (a modprobe.d line). Quotes are honoured
 * as the kernel does for `blkdev="PARTLABEL=pstore"`.
 */
export function parseParamString(text: string, foreign?: ForeignParam): ParsedParams {
  // Nothing to tokenise (no --params): yargs-parser's first call alone is a millisecond of start-up.
  if (text.trim() === '') return { blk: {}, related: {}, ignored: [] };
  const parsed = yargsParser(text, {
    configuration: {
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'dot-notation': false,
      'camel-case-expansion': false,
    },
  });
  // yargs-parser tokenises like a shell (quotes included); kernel syntax has
  // no `--flags`, so those are reported as ignored rather than guessed at.
  const tokens: string[] = parsed._.map(String);
  const out: ParsedParams = { blk: {}, related: {}, ignored: [] };
  for (const k of Object.keys(parsed)) if (k !== '_' && k !== '--') out.ignored.push(`--${k}`);
  let modprobeModule: string | undefined;
  if (tokens[0] === 'options' && tokens.length >= 2) {
    modprobeModule = tokens[1];
    tokens.splice(0, 2);
  }
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const rawKey = eq < 0 ? token : token.slice(0, eq);
    // The kernel treats '-' and '_' alike in parameter names.
    const key = rawKey.replace(/-/g, '_');
    const value = eq < 0 ? '' : token.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    const dot = key.indexOf('.');
    const module = dot < 0 ? modprobeModule : key.slice(0, dot);
    const name = dot < 0 ? key : key.slice(dot + 1);
    if (module === undefined || module === 'pstore_blk') {
      const field = BLK_KEYS[name];
      if (field) {
        setBlk(out.blk, field, key, value);
        continue;
      }
      if (module === 'pstore_blk') throw new ParamError(`unknown parameter '${key}' (pstore_blk takes ${Object.keys(BLK_KEYS).join(', ')})`);
    }
    if (module === 'pstore' && name === 'compress') out.related.compress = value;
    else if (module === 'pstore' && name === 'kmsg_bytes') out.related.kmsgBytes = parseKernelLong(key, value);
    else if (module === 'printk' && name === 'always_kmsg_dump') out.related.alwaysKmsgDump = parseKernelBool(key, value);
    else if (module === undefined && name === 'crash_kexec_post_notifiers') out.related.crashKexecPostNotifiers = true;
    else if (!foreign?.(module, name, value, key)) out.ignored.push(token);
  }
  return out;
}

/** Defaults, then the pasted string, then explicit flags: later wins. */
export function mergeBlkParams(...layers: Partial<BlkParams>[]): BlkParams {
  const out: BlkParams = { ...BLK_DEFAULTS };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer) as [keyof BlkParams, BlkParams[keyof BlkParams] | undefined][]) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** Bytes per front end after pstore/blk's verify_size(), with the kernel's notes. */
export interface ZoneSizes {
  kmsgSize: number;
  pmsgSize: number;
  consoleSize: number;
  ftraceSize: number;
  notes: string[];
}

/** pstore/blk front-end flags (include/linux/pstore.h PSTORE_FLAGS_*). */
export const PSTORE_FLAGS = { DMESG: 1 << 0, CONSOLE: 1 << 1, FTRACE: 1 << 2, PMSG: 1 << 3 } as const;
export const PSTORE_FLAGS_ALL = 0xffffffff;

const SIZE_ALIGN = 4096;

/**
 * blk.c check_size(): <= 0 disables; else KiB * 1024; a size that is not a
 * multiple of 4096 is replaced by ALIGN(KiB, 4096) used as a BYTE count (a
 * kernel quirk kept on purpose: kmsg_size=6 gives 4096-byte zones).
 */
export function checkSize(name: string, kib: number, notes: string[]): number {
  let bytes = kib <= 0 ? 0 : kib * 1024;
  if (bytes % SIZE_ALIGN !== 0) {
    notes.push(`${name} must align to ${SIZE_ALIGN}`);
    bytes = Math.ceil(kib / SIZE_ALIGN) * SIZE_ALIGN;
  }
  return bytes;
}

/** verify_size() for all four front ends; a device's flags can exclude some. */
export function zoneSizesFromParams(p: BlkParams, flags: number = PSTORE_FLAGS_ALL): ZoneSizes {
  const notes: string[] = [];
  const pick = (name: string, kib: number, flag: number): number => (flags & flag ? checkSize(name, kib, notes) : 0);
  return {
    kmsgSize: pick('kmsg_size', p.kmsgSize, PSTORE_FLAGS.DMESG),
    pmsgSize: pick('pmsg_size', p.pmsgSize, PSTORE_FLAGS.PMSG),
    consoleSize: pick('console_size', p.consoleSize, PSTORE_FLAGS.CONSOLE),
    ftraceSize: pick('ftrace_size', p.ftraceSize, PSTORE_FLAGS.FTRACE),
    notes,
  };
}

/** `pstore_blk.kmsg_size=64 ...` for messages and reports. */
export function formatBlkParams(p: BlkParams): string {
  const parts = [
    p.blkdev ? `pstore_blk.blkdev=${p.blkdev}` : '',
    `pstore_blk.kmsg_size=${p.kmsgSize}`,
    `pstore_blk.pmsg_size=${p.pmsgSize}`,
    `pstore_blk.console_size=${p.consoleSize}`,
    `pstore_blk.ftrace_size=${p.ftraceSize}`,
    `pstore_blk.max_reason=${p.maxReason}`,
  ];
  return parts.filter(Boolean).join(' ');
}
