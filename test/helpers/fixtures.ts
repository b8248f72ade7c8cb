/** Loads the kernel fixtures in fixtures/: image, sidecar and the kernel's reading. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
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

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export interface KernelRecord {
  name: string;
  size: number;
  mtime: number;
  sha256: string;
}

export interface Fixture {
  name: string;
  image: Uint8Array;
  sidecar: {
    module_params: Record<string, number | string>;
    cpus?: number;
    /** Kconfig of the kernel that read the image, where it matters. */
    reader_kernel_config?: { CONFIG_PSTORE_FTRACE?: boolean };
    records_reported_by_kernel: KernelRecord[];
    image_sha256: string;
  };
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
  const sidecar = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8')) as Fixture['sidecar'];
  const image = new Uint8Array(gunzipSync(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.img.gz`))));
  const mp = sidecar.module_params;
  const num = (k: string): number | undefined => (mp[k] === undefined ? undefined : Number(mp[k]));
  const params = mergeBlkParams({
    kmsgSize: num('pstore_blk.kmsg_size'),
    pmsgSize: num('pstore_blk.pmsg_size'),
    consoleSize: num('pstore_blk.console_size'),
    ftraceSize: num('pstore_blk.ftrace_size'),
  });
  const dir = path.join(FIXTURES_DIR, `${name}.kernel-read`);
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
