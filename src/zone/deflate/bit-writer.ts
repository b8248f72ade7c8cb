/**
 * LSB-first bit packer producing the byte stream of a deflate encoder.
 *
 * zlib keeps a 16-bit bit buffer and emits whole 16-bit words, but the bytes
 * that finally appear are the same as packing bits least-significant first and
 * emitting each byte as soon as it is complete, which is what this does.
 */
export class BitWriter {
  private bytes: Uint8Array;
  private length = 0;
  /** Pending bits not yet forming a whole byte (at most 7 between calls). */
  private bitBuffer = 0;
  private bitCount = 0;

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Number of whole bytes emitted so far (pending bits excluded). */
  get byteLength(): number {
    return this.length;
  }

  /** Append the low `count` bits of `value` (count <= 16), LSB first. */
  writeBits(value: number, count: number): void {
    this.bitBuffer |= value << this.bitCount;
    this.bitCount += count;
    while (this.bitCount >= 8) {
      this.pushByte(this.bitBuffer & 0xff);
      this.bitBuffer >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** Pad the pending bits with zeros up to the next byte boundary (zlib bi_windup). */
  alignToByte(): void {
    if (this.bitCount > 0) this.pushByte(this.bitBuffer & 0xff);
    this.bitBuffer = 0;
    this.bitCount = 0;
  }

  /** Append a 16-bit little-endian value; the writer must be byte aligned. */
  writeUint16LE(value: number): void {
    this.pushByte(value & 0xff);
    this.pushByte((value >>> 8) & 0xff);
  }

  /** Append raw bytes; the writer must be byte aligned. */
  writeBytes(source: Uint8Array, start: number, count: number): void {
    this.ensureCapacity(count);
    this.bytes.set(source.subarray(start, start + count), this.length);
    this.length += count;
  }

  /** The bytes written so far (a copy). */
  toUint8Array(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private pushByte(byte: number): void {
    if (this.length === this.bytes.length) this.ensureCapacity(1);
    this.bytes[this.length++] = byte;
  }

  private ensureCapacity(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
