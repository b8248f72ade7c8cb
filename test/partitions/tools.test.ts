/**
 * Cross-check with independent tools: sgdisk (gdisk) and sfdisk (util-linux) read images built
 * by our encoders. Skipped when the tools are not installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultCardLayout, encodeGpt, encodeMbr, decodeGpt, imageReader, MBR_TYPE } from '../../src/driver/mmc/partitions/index.js';
import { imageFrom, MIB, withLogical } from './helpers.js';
import { removeTempDir, tempDir } from '../helpers/temp-dir.js';

function findTool(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    try {
      execFileSync(join(dir, name), ['--version'], { stdio: 'ignore' });
      return join(dir, name);
    } catch {
      /* try the next directory */
    }
  }
  return undefined;
}

function withImage(bytes: Uint8Array, use: (path: string) => void): void {
  const dir = tempDir(undefined, 'mmcpstore-part-');
  try {
    const path = join(dir, 'card.img');
    writeFileSync(path, bytes);
    use(path);
  } finally {
    removeTempDir(dir);
  }
}

const card = defaultCardLayout({ diskBytes: 128 * MIB, pstoreBytes: 256 * 1024, seed: 'tools' });
const gptBytes = () => imageFrom(card.diskSectors, encodeGpt(card.layout, card.diskSectors));

test('sgdisk -v finds no problems in a GPT built by encodeGpt', (t) => {
  const sgdisk = findTool('sgdisk');
  if (!sgdisk) return t.skip('sgdisk not installed');
  withImage(gptBytes(), (path) => {
    const out = execFileSync(sgdisk, ['-v', path], { encoding: 'utf8' });
    assert.match(out, /No problems found\./);
    const info = execFileSync(sgdisk, ['-i', '6', path], { encoding: 'utf8' });
    assert.match(info, /Partition name: 'pstore'/);
    assert.match(info, new RegExp(`Partition unique GUID: ${card.layout.partitions[5].uniqueGuid}`, 'i'));
    assert.match(info, /Partition size: 512 sectors/);
  });
});

test('sfdisk --json lists the GPT partitions with our names, starts, sizes and GUIDs', (t) => {
  const sfdisk = findTool('sfdisk');
  if (!sfdisk) return t.skip('sfdisk not installed');
  withImage(gptBytes(), (path) => {
    const json = JSON.parse(execFileSync(sfdisk, ['--json', path], { encoding: 'utf8' })) as {
      partitiontable: { label: string; id: string; firstlba: number; lastlba: number; partitions: { start: number; size: number; type: string; uuid: string; name: string }[] };
    };
    const pt = json.partitiontable;
    assert.equal(pt.label, 'gpt');
    assert.equal(pt.id.toLowerCase(), card.layout.diskGuid);
    assert.deepEqual([pt.firstlba, pt.lastlba], [34, card.diskSectors - 34]);
    assert.deepEqual(
      pt.partitions.map((p) => [p.name, p.start, p.size, p.type.toLowerCase(), p.uuid.toLowerCase()]),
      card.layout.partitions.map((p) => [p.name, p.firstLba, p.lastLba - p.firstLba + 1, p.typeGuid, p.uniqueGuid]),
    );
  });
});

test('a GPT written by sfdisk decodes to what sfdisk wrote', (t) => {
  const sfdisk = findTool('sfdisk');
  if (!sfdisk) return t.skip('sfdisk not installed');
  withImage(new Uint8Array(32 * MIB), (path) => {
    const script = 'label: gpt\nfirst-lba: 34\nstart=2048, size=2048, name=env\nstart=4096, size=512, name=pstore\n';
    execFileSync(sfdisk, ['--no-reread', '--no-tell-kernel', '-q', path], { input: script });
    const bytes = new Uint8Array(readFileSync(path));
    const r = decodeGpt(imageReader(bytes), bytes.length / 512);
    assert.equal(r.valid, true);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.partitions.map((p) => [p.number, p.name, p.firstLba, p.lastLba]), [[1, 'env', 2048, 4095], [2, 'pstore', 4096, 4607]]);
  });
});

test('sfdisk --json reads an MBR with logical partitions built by encodeMbr the same way we do', (t) => {
  const sfdisk = findTool('sfdisk');
  if (!sfdisk) return t.skip('sfdisk not installed');
  const sectors = 131072;
  withImage(imageFrom(sectors, encodeMbr(withLogical, sectors)), (path) => {
    const json = JSON.parse(execFileSync(sfdisk, ['--json', path], { encoding: 'utf8' })) as {
      partitiontable: { label: string; id: string; partitions: { node: string; start: number; size: number; type: string; bootable?: boolean }[] };
    };
    const pt = json.partitiontable;
    assert.equal(pt.label, 'dos');
    assert.equal(pt.id, '0x1a2b3c4d');
    assert.deepEqual(
      pt.partitions.map((p) => [p.node.replace(path, ''), p.start, p.size, parseInt(p.type, 16)]),
      [
        ['1', 2048, 8192, MBR_TYPE.linux],
        ['2', 10240, 40960, MBR_TYPE.dosExtended],
        ['3', 51200, 8192, MBR_TYPE.linux],
        ['5', 12288, 2048, MBR_TYPE.linux],
        ['6', 16384, 512, MBR_TYPE.linux],
        ['7', 20480, 30720, MBR_TYPE.linux],
      ],
    );
    assert.equal(pt.partitions[0].bootable, true);
  });
});
