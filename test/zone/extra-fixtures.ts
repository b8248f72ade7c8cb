/**
 * The crafted fixtures of fixtures/crypto/ and fixtures/arch32/ (made by
 * scripts/make-crypto-arch-fixtures.py): image, sidecar, the expected files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURES_DIR } from '../helpers/paths.js';

export interface ExpectedRecord {
  name: string;
  size: number;
  sha256: string;
  mtime?: number;
  reason?: string;
  algorithm?: string;
  stored_size?: number;
}

export interface CraftedFixture {
  name: string;
  image: Uint8Array;
  sidecar: {
    image_sha256: string;
    arch: string;
    cpus: number;
    module_params: Record<string, number | string>;
    records_expected: ExpectedRecord[];
  };
  expected: Map<string, Buffer>;
}

export function listCrafted(folder: 'crypto' | 'arch32'): CraftedFixture[] {
  const dir = path.join(FIXTURES_DIR, folder);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.json'.length);
      const expectedDir = path.join(dir, `${name}.expected`);
      const expected = new Map<string, Buffer>();
      for (const e of fs.readdirSync(expectedDir)) expected.set(e, fs.readFileSync(path.join(expectedDir, e)));
      return {
        name,
        image: new Uint8Array(gunzipSync(fs.readFileSync(path.join(dir, `${name}.img.gz`)))),
        sidecar: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CraftedFixture['sidecar'],
        expected,
      };
    });
}

/** module_params in KiB, as BlkParams wants them. */
export function craftedParams(fx: CraftedFixture): { kmsgSize: number; pmsgSize: number; consoleSize: number; ftraceSize: number } {
  const mp = fx.sidecar.module_params;
  return {
    kmsgSize: Number(mp['pstore_blk.kmsg_size']),
    pmsgSize: Number(mp['pstore_blk.pmsg_size']),
    consoleSize: Number(mp['pstore_blk.console_size']),
    ftraceSize: Number(mp['pstore_blk.ftrace_size']),
  };
}
