/** SHA-256 in hex, the form the fixtures' sidecars and the kernel's records use. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash of a file's bytes, e.g. to show an image was or was not written. */
export function sha256File(file: string): string {
  return sha256(readFileSync(file));
}
