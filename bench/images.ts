/** The images bench/run.ts measures on, built in-process and deterministic (fixed clock and seed). */
import { createCipheriv } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateBootLog } from '../src/driver/boot-log.js';
import { defaultCardLayout, encodeGpt } from '../src/driver/mmc/partitions/index.js';
import { formatSyslog } from '../src/driver/printk-format.js';
import { KmsgDumpReason, LinesDumpIter, MemoryRegion, PstoreCore, genericBlkDevice, mergeBlkParams, registerPstoreDevice } from '../src/zone/index.js';

const MiB = 1 << 20;

export interface PstoreImage {
  file: string;
  /** --params for it. */
  params: string;
  /** Zone sizes in bytes (bench/procs/recover-floor.ts takes them). */
  kmsgBytes: number;
  ringBytes: number;
}

/** A region of `sizeMiB` full of compressed 64 KiB kmsg records plus full pmsg and console rings. */
export function buildPstoreImage(dir: string, sizeMiB: number, ringKiB = 1024): PstoreImage {
  const file = path.join(dir, `pstore-${sizeMiB}m-${ringKiB}k.img`);
  const kmsgKiB = 64;
  const params = `pstore_blk.kmsg_size=${kmsgKiB} pstore_blk.pmsg_size=${ringKiB} pstore_blk.console_size=${ringKiB} pstore_blk.max_reason=2`;
  const out = { file, params, kmsgBytes: kmsgKiB << 10, ringBytes: ringKiB << 10 };
  if (fs.existsSync(file)) return out;
  const image = new Uint8Array(sizeMiB * MiB);
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(image)), mergeBlkParams({ kmsgSize: kmsgKiB, pmsgSize: ringKiB, consoleSize: ringKiB }));
  let sec = 1_767_225_600n;
  const core = new PstoreCore(reg.zone, { now: () => ({ sec, nsec: 0n }) });
  reg.zone.recovery();
  const lines = generateBootLog(1, 900).map(formatSyslog);
  for (let i = 0; i < reg.zone.kmsgMaxCnt; i++) {
    sec += 1n;
    // Vary the newest lines so every record differs.
    core.dump(KmsgDumpReason.OOPS, new LinesDumpIter([...lines, `<1>[ 9999.${String(i).padStart(6, '0')}] bench oops ${i}\n`]));
  }
  const chunk = new TextEncoder().encode('user space line for the pmsg ring\n'.repeat(200));
  for (let i = 0; i < 200; i++) core.writePmsg(chunk);
  for (let i = 0; i < 200; i++) core.writeConsole(chunk);
  fs.writeFileSync(file, image);
  return out;
}

/**
 * A fully written dump of `sizeMiB`: the `region` image at offset 0, zeros to a quarter of the
 * size, then pseudo-random bytes (AES-CTR keystream of a fixed key: seeded, and fast to make).
 */
export function buildRandomDump(dir: string, sizeMiB: number, region: string): string {
  const file = path.join(dir, `dump-${sizeMiB}m.img`);
  const fd = fs.openSync(file, 'w');
  const head = fs.readFileSync(region);
  fs.writeSync(fd, head, 0, head.length, 0);
  const zerosEnd = (sizeMiB / 4) * MiB;
  const zeros = new Uint8Array(MiB);
  for (let off = head.length; off < zerosEnd; off += MiB) fs.writeSync(fd, zeros, 0, Math.min(MiB, zerosEnd - off), off);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 18), Buffer.alloc(16));
  for (let off = zerosEnd; off < sizeMiB * MiB; off += MiB) fs.writeSync(fd, cipher.update(zeros), 0, MiB, off);
  fs.closeSync(fd);
  return file;
}

/** An eMMC image of `diskBytes` (sparse) whose pstore partition holds `region`; returns its --blkdev. */
export function buildCard(file: string, diskBytes: number, region: string): string {
  const card = defaultCardLayout({ diskBytes, pstoreBytes: fs.statSync(region).size, seed: 1 });
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, diskBytes);
  for (const w of encodeGpt(card.layout, card.diskSectors)) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.lba * 512);
  const part = card.layout.partitions.find((p) => p.number === card.pstoreNumber)!;
  const bytes = fs.readFileSync(region);
  fs.writeSync(fd, bytes, 0, bytes.length, Number(part.firstLba) * 512);
  fs.closeSync(fd);
  return `/dev/mmcblk0p${card.pstoreNumber}`;
}
