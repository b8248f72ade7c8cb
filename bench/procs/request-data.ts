/** The bytes every data-path request writes (both sides write the same). */
export function requestData(bytes: number): Uint8Array {
  return new Uint8Array(bytes).map((_, i) => (i * 2654435761) >>> 24);
}
