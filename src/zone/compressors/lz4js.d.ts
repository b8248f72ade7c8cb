/** The part of lz4js (no bundled types) the LZ4 block encoder uses. */
declare module 'lz4js' {
  /** Worst-case block size for `n` input bytes. */
  export function compressBound(n: number): number;
  /** One raw block of src[sIndex, sIndex + sLength) into dst; 0 when it stored nothing. */
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  const lz4js: { compressBound: typeof compressBound; compressBlock: typeof compressBlock };
  export default lz4js;
}
