/**
 * The kernel fixtures in fixtures/: each image (NAME.img.gz), its sidecar (NAME.json: how it was
 * made, what the kernel reported) and the kernel's reading (NAME.kernel-read/: /sys/fs/pstore).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  MemoryRegion,
  PstoreCore,
  genericBlkDevice,
  mergeBlkParams,
  registerPstoreDevice,
  type BlkParams,
  type PstoreFile,
} from '../../src/zone/index.js';
import { FIXTURES_DIR } from './paths.js';

export { FIXTURES_DIR };

export interface KernelRecord {
  name: string;
  size: number;
  mtime: number;
  sha256: string;
  /** the kmsg_dump reason, where the sidecar records it */
  reason?: string;
}

export interface Sidecar {
  image_size: number;
  image_sha256: string;
  module_params: Record<string, number | string>;
  /** pstore_blk.blkdev, for images the kernel read as a block device */
  blkdev?: string;
  cpus?: number;
  /** Kconfig of the kernel that read the image, where it matters. */
  reader_kernel_config?: { CONFIG_PSTORE_FTRACE?: boolean };
  records_reported_by_kernel: KernelRecord[];
}

export function fixtureSidecar(name: string): Sidecar {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8')) as Sidecar;
}

/** The image's bytes, gunzipped. */
export function fixtureImage(name: string): Uint8Array {
  return new Uint8Array(gunzipSync(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.img.gz`))));
}

/** Gunzips the image into `dir` as NAME.img; returns its path. */
export function unpackFixture(name: string, dir: string): string {
  const out = path.join(dir, `${name}.img`);
  fs.writeFileSync(out, fixtureImage(name));
  return out;
}

/** The directory of files the kernel showed in /sys/fs/pstore for the image. */
export function kernelReadDir(name: string): string {
  return path.join(FIXTURES_DIR, `${name}.kernel-read`);
}

export interface Fixture {
  name: string;
  image: Uint8Array;
  sidecar: Sidecar;
  params: BlkParams;
  cpus: number;
  compress: 'deflate' | 'none';
  /** name -> bytes the kernel showed in /sys/fs/pstore. */
  kernelFiles: Map<string, Buffer>;
}

export function listFixtures(): string[] {
  return fs
    .readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((n) => fs.existsSync(path.join(FIXTURES_DIR, `${n}.img.gz`)))
    // whole-card images (card-*) are read through the emulated board: test/board-cli/fixture.test.ts
    .filter((n) => !n.startsWith('card-'))
    .sort();
}

export function loadFixture(name: string): Fixture {
  const sidecar = fixtureSidecar(name);
  const image = fixtureImage(name);
  const mp = sidecar.module_params;
  const num = (k: string): number | undefined => (mp[k] === undefined ? undefined : Number(mp[k]));
  const params = mergeBlkParams({
    kmsgSize: num('pstore_blk.kmsg_size'),
    pmsgSize: num('pstore_blk.pmsg_size'),
    consoleSize: num('pstore_blk.console_size'),
    ftraceSize: num('pstore_blk.ftrace_size'),
  });
  const dir = kernelReadDir(name);
  const kernelFiles = new Map<string, Buffer>();
  for (const f of fs.readdirSync(dir)) if (f !== 'index.json') kernelFiles.set(f, fs.readFileSync(path.join(dir, f)));
  return {
    name,
    image,
    sidecar,
    params,
    cpus: sidecar.cpus ?? 1,
    compress: mp['pstore.compress'] === 'none' ? 'none' : 'deflate',
    kernelFiles,
  };
}

/** What our engine shows for a fixture, as pstorefs would. */
export function readFixture(fx: Fixture, image: Uint8Array = fx.image): PstoreFile[] {
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(image)), fx.params, {
    nrCpus: fx.cpus,
    configPstoreFtrace: fx.sidecar.reader_kernel_config?.CONFIG_PSTORE_FTRACE ?? true,
  });
  return new PstoreCore(reg.zone).readFiles();
}
