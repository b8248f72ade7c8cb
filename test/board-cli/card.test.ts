/** inspect --card, the --blkdev forms of the card path, raw regions unchanged, --trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../../src/reader/errors.js';
import { blankCard, mmcpstore, tmpDir } from './helpers.js';

test('inspect --card: CID/CSD/EXT_CSD, hardware partitions, the table and the pstore partition', () => {
  const d = tmpDir('card');
  const img = blankCard(d);
  const r = mmcpstore(['inspect', '--card', '--image', img]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /card\s+mmc0:0001: MMCPST rev \d+\.\d+, manufacturer 0x[0-9a-f]{2}/);
  assert.match(r.stdout, /EXT_CSD_REV \d+, SEC_COUNT 32768 \(16M\)/);
  assert.match(r.stdout, /PARTITION_CONFIG 0x[0-9a-f]{2}/);
  assert.match(r.stdout, /\/dev\/mmcblk0boot0\s+boot/);
  assert.match(r.stdout, /\/dev\/mmcblk0rpmb\s+rpmb/);
  assert.match(r.stdout, /6\s+pstore\s+12288\s+1M\s+\/dev\/mmcblk0p6\s+179:6/);
  assert.match(r.stdout, /pstore\s+\/dev\/mmcblk0p6 \(179:6\) from PARTLABEL=pstore/);
  const j = JSON.parse(mmcpstore(['inspect', '--card', '--image', img, '--json', '--blkdev', 'b306']).stdout) as {
    card: { extCsd: { secCount: number; rev: number }; cid: { product: string } };
    partitions: { number: number; label: string; devT: string; partUuid: string }[];
    hardwarePartitions: { name: string }[];
    pstore: { dev: string; form: string; offset: number; size: number };
  };
  assert.equal(j.card.extCsd.secCount, 32768);
  assert.equal(j.partitions.length, 7);
  assert.deepEqual(j.hardwarePartitions.map((h) => h.name), ['mmcblk0', 'mmcblk0boot0', 'mmcblk0boot1', 'mmcblk0rpmb']);
  assert.deepEqual(j.pstore, { ...j.pstore, dev: '/dev/mmcblk0p6', form: 'hex', offset: 12288 * 512, size: 1 << 20 });
  const bad = mmcpstore(['inspect', '--card', '--image', img, '--blkdev', '/dev/mmcblk0p9']);
  assert.equal(bad.status, EXIT.usage);
  assert.match(bad.stderr, /mmcblk0 has no partition 9/);
});

test('recover through the card path takes every blkdev form; raw regions read as before', () => {
  const d = tmpDir('forms');
  const img = blankCard(d);
  assert.equal(mmcpstore(['panic', '--image', img, '-q', '-m', 'forms']).status, 0);
  const uuid = (JSON.parse(mmcpstore(['inspect', '--card', '--image', img, '--json']).stdout) as { partitions: { partUuid: string }[] }).partitions[5]!.partUuid;
  const want = mmcpstore(['recover', '--image', img]).stdout;
  assert.match(want, /Kernel panic - not syncing: forms/);
  for (const b of ['/dev/mmcblk0p6', 'mmcblk0p6', '179:6', 'b306', `PARTUUID=${uuid}`, 'PARTLABEL=pstore']) {
    const r = mmcpstore(['recover', '--image', img, '--blkdev', b]);
    assert.equal(r.status, 0, `${b}: ${r.stderr}`);
    assert.equal(r.stdout, want, b);
  }
  // the same bytes as a plain region of the file
  assert.equal(mmcpstore(['recover', '--image', img, '--offset', '12288s', '--size', '1M']).stdout, want);
  const raw = path.join(d, 'raw.img');
  fs.writeFileSync(raw, fs.readFileSync(img).subarray(12288 * 512, 12288 * 512 + (1 << 20)));
  assert.equal(mmcpstore(['recover', '--image', raw]).stdout, want);
  // --blkdev on a raw region, or on a partition without pstore
  assert.equal(mmcpstore(['recover', '--image', raw, '--blkdev', 'mmcblk0p6']).status, EXIT.dataErr);
  assert.equal(mmcpstore(['recover', '--image', img, '--blkdev', 'mmcblk0p5']).status, EXIT.noData);
  // inspect through the card path shows the partition's place in the file
  const i = JSON.parse(mmcpstore(['inspect', '--image', img, '--json']).stdout) as { image: { offset: number; size: number } };
  assert.deepEqual(i.image, { ...i.image, offset: 12288 * 512, size: 1 << 20 });
});

test('--trace: one line per device event, stamped with virtual time', () => {
  const d = tmpDir('trace');
  const img = blankCard(d);
  const r = mmcpstore(['panic', '--image', img, '-q', '--trace', 'sdcard_command,sdhci_irq']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length > 50);
  for (const l of lines) assert.match(l, /^\[\s*\d+\.\d{6} ms\] (sdcard_command|sdhci_irq) \S/);
  assert.ok(lines.some((l) => /sdcard_command WRITE_MULTIPLE_BLOCK\/CMD25/.test(l)));
  const all = mmcpstore(['recover', '--image', img, '--trace']);
  assert.equal(all.status, 0);
  const tl = all.stderr.split('\n').filter((l) => l.startsWith('['));
  assert.ok(tl.some((l) => / sdhci_access_(read|write) /.test(l)) && tl.some((l) => / sdcard_response /.test(l)));
  for (const l of tl) assert.equal(l.match(/ ms\] /g)?.length, 1);
  assert.equal(mmcpstore(['recover', '--image', img]).stderr.includes('sdhci_'), false);
});
