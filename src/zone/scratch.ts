/**
 * One growable buffer reused from record to record by the image readers: a
 * record's bytes are read (or inflated) into it and handed on as a view, so a
 * recovery allocates per record only what must outlive the next one.
 */
export class ScratchBuffer {
  private bytes = new Uint8Array(0);

  /** The first `len` bytes, grown (not zeroed) when needed: valid until the next take(). */
  take(len: number): Uint8Array {
    // Doubling: a run of slowly growing records reallocates a few times, not once each.
    if (this.bytes.length < len) this.bytes = new Uint8Array(Math.max(len, this.bytes.length * 2));
    return this.bytes.subarray(0, len);
  }
}
