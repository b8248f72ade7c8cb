/**
 * struct pstore_zone (fs/pstore/zone.c): one zone's RAM copy, header
 * included, with what recovery found there (oldbuf) and whether it still has
 * to reach the device (dirty).
 */
import { PSZ_BUFFER, decodePszBuffer, zoneSignature } from './codec.js';
import { EIO } from '../lib/errno.js';
import type { ZoneDesc } from './layout.js';

export class PstoreZone {
  /**
   * psz_buffer header + data area, as it sits in kernel RAM. Allocated on
   * first use, so a large region costs memory only for the zones touched.
   */
  private ram: Uint8Array | undefined;
  /**
   * Set when recovery loaded only the used part of the zone (header +
   * datalen): the rest is fetched before anything could write the whole
   * zone back, so nothing differs from the kernel's full read. A device
   * read (bytes at a device offset), shared by all the zones of a region.
   */
  private devRead: ((dst: Uint8Array, pos: number) => number) | undefined;
  oldbuf: Uint8Array | null = null;
  shouldRecover = false;
  dirty = false;

  constructor(readonly desc: ZoneDesc) {}

  get buffer(): Uint8Array {
    if (!this.ram) {
      // psz_init_zone(): 0xFF fill, then sig, datalen 0, start 0.
      this.ram = new Uint8Array(this.desc.size).fill(0xff);
      this.resetHeader(this.ram);
    }
    return this.ram;
  }

  set buffer(b: Uint8Array) {
    this.ram = b;
    this.devRead = undefined;
  }

  /**
   * Holds the first `part.length` bytes of the zone (a view may share its buffer with other
   * zones' headers); the rest is read on demand with `devRead`, a device read at device
   * offsets answering bytes or -errno.
   */
  setPartial(part: Uint8Array, devRead: (dst: Uint8Array, pos: number) => number): void {
    this.ram = part;
    this.devRead = devRead;
  }

  /** The zone's bytes from `from` on into `dst`, from the device (partial zones only). */
  private rest(dst: Uint8Array, from: number): number {
    return this.devRead!(dst, this.desc.off + from);
  }

  /** True while only part of the zone is in RAM (the rest is fetched on demand). */
  get partial(): boolean {
    return this.devRead !== undefined;
  }

  /** Keep only the first `keep` bytes in RAM when the rest can be fetched again. */
  trim(keep: number): void {
    if (this.ram && this.devRead && this.ram.length > keep) this.ram = this.ram.slice(0, keep);
  }

  /** At least the first `len` bytes of the zone in RAM, fetching what was trimmed or never loaded. */
  upTo(len: number): Uint8Array {
    this.load(len);
    return this.buffer;
  }

  /**
   * upTo() for a read that may fail: 0 once the first `len` bytes are in RAM, else the
   * fetch's -errno (-EIO for a short read). A failed fetch leaves zeros, as upTo() does.
   */
  load(len: number): number {
    const ram = this.buffer;
    if (ram.length >= len) return 0;
    const bigger = new Uint8Array(len);
    bigger.set(ram);
    const want = len - ram.length;
    const got = this.devRead ? this.rest(bigger.subarray(ram.length), ram.length) : want;
    this.ram = bigger;
    return got === want ? 0 : got < 0 ? got : -EIO;
  }

  /**
   * The zone's bytes [from, from + dst.length) copied into `dst`, RAM left as it is: what RAM
   * holds, and the rest fetched (a partial zone). 0, or the fetch's -errno (-EIO for a short
   * read), as load() answers.
   */
  copyOut(dst: Uint8Array, from: number): number {
    const ram = this.buffer;
    const have = Math.max(0, Math.min(dst.length, ram.length - from));
    if (have > 0) dst.set(ram.subarray(from, from + have));
    const want = dst.length - have;
    if (want === 0) return 0;
    if (!this.devRead) {
      // Past a whole zone's RAM there is nothing: zeros, as load() leaves.
      dst.fill(0, have);
      return 0;
    }
    const got = this.rest(dst.subarray(have), from + have);
    return got === want ? 0 : got < 0 ? got : -EIO;
  }

  /** The whole zone in RAM (loads what a partial recovery left on disk). */
  full(): Uint8Array {
    const whole = this.upTo(this.desc.size);
    this.devRead = undefined;
    return whole;
  }

  resetHeader(buf: Uint8Array): void {
    const v = new DataView(buf.buffer, buf.byteOffset, PSZ_BUFFER.size);
    v.setUint32(PSZ_BUFFER.sig, zoneSignature(this.desc.type), true);
    v.setInt32(PSZ_BUFFER.datalen, 0, true);
    v.setInt32(PSZ_BUFFER.start, 0, true);
  }

  get bufferSize(): number {
    return this.desc.bufferSize;
  }
  get datalen(): number {
    // An untouched zone is the fresh psz_init_zone() state: empty.
    return this.ram ? decodePszBuffer(this.ram).datalen : 0;
  }
  set datalen(v: number) {
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setInt32(PSZ_BUFFER.datalen, v, true);
  }
  get start(): number {
    return this.ram ? decodePszBuffer(this.ram).start : 0;
  }
  set start(v: number) {
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setInt32(PSZ_BUFFER.start, v, true);
  }
  get name(): string {
    return this.desc.kind === 'kmsg' ? 'dmesg' : this.desc.kind;
  }
  /** psz_ok(). */
  ok(): boolean {
    return this.datalen !== 0;
  }
  /** psz_old_ok(). */
  oldOk(): boolean {
    return this.oldbuf !== null && decodePszBuffer(this.oldbuf).datalen !== 0;
  }
}
