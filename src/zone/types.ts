/**
 * pstore front-end types and kmsg dump reasons, with their name tables.
 * Sources: include/linux/pstore.h (enum pstore_type_id, pstore_type_names[]),
 * include/linux/kmsg_dump.h and kernel/printk/printk.c (kmsg_dump_reason_str).
 */

export const PstoreType = {
  DMESG: 0,
  MCE: 1,
  CONSOLE: 2,
  FTRACE: 3,
  PPC_RTAS: 4,
  PPC_OF: 5,
  PPC_COMMON: 6,
  PMSG: 7,
  PPC_OPAL: 8,
} as const;
export type PstoreType = (typeof PstoreType)[keyof typeof PstoreType];

/** File-name prefixes used by pstorefs (fs/pstore/inode.c via pstore_type_to_name). */
export const PSTORE_TYPE_NAMES = {
  [PstoreType.DMESG]: 'dmesg',
  [PstoreType.MCE]: 'mce',
  [PstoreType.CONSOLE]: 'console',
  [PstoreType.FTRACE]: 'ftrace',
  [PstoreType.PPC_RTAS]: 'rtas',
  [PstoreType.PPC_OF]: 'powerpc-ofw',
  [PstoreType.PPC_COMMON]: 'powerpc-common',
  [PstoreType.PMSG]: 'pmsg',
  [PstoreType.PPC_OPAL]: 'powerpc-opal',
} as const satisfies Record<PstoreType, string>;

/** The front ends pstore/zone stores, by the names our CLI uses. */
export type ZoneKind = 'kmsg' | 'pmsg' | 'console' | 'ftrace';

export const KmsgDumpReason = {
  UNDEF: 0,
  PANIC: 1,
  OOPS: 2,
  EMERG: 3,
  SHUTDOWN: 4,
  /** Sentinel: `max_reason` above this has no further effect. */
  MAX: 5,
} as const;
export type KmsgDumpReason = number;

const REASON_STRINGS: Readonly<Record<number, string>> = {
  [KmsgDumpReason.PANIC]: 'Panic',
  [KmsgDumpReason.OOPS]: 'Oops',
  [KmsgDumpReason.EMERG]: 'Emergency',
  [KmsgDumpReason.SHUTDOWN]: 'Shutdown',
};

/** kmsg_dump_reason_str(): every value without a name prints "Unknown". */
export function kmsgDumpReasonStr(reason: number): string {
  return REASON_STRINGS[reason] ?? 'Unknown';
}

/** Accepts `panic`, `Panic`, `1`, ... for command lines. */
export function parseReason(text: string): KmsgDumpReason | undefined {
  // plain decimal only: Number() would also take '0b1', '1e0' and ' '
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(n) && n >= 0 && n < KmsgDumpReason.MAX) return n;
  const key = text.trim().toUpperCase();
  const aliases: Record<string, number> = {
    UNDEF: 0, UNKNOWN: 0, PANIC: 1, OOPS: 2, EMERG: 3, EMERGENCY: 3, SHUTDOWN: 4,
  };
  return aliases[key];
}
