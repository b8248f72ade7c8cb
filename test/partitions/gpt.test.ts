/** GPT codec and efi.c validation (block/partitions/efi.c is_gpt_valid, find_valid_gpt). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeGpt,
  decodeGptAsync,
  encodeGpt,
  GPT_ENTRY,
  GPT_HEADER,
  GPT_TYPE,
  guidFromBytes,
  isNullGuidAt,
  guidToBytes,
  imageReader,
  PartitionLayoutError,
  GuidError,
  linuxVolname,
  encodeGptName,
  normalizeGptLayout,
  gptUsableRange,
  type GptLayout,
} from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';
import { editEntry, gptImage, headerView, resealHeader, sparseDisk, tracingReader, MIB } from './helpers.js';

const DISK = (64 * MIB) / SECTOR_SIZE; // 131072 sectors
const LAST = DISK - 1;

const sample: GptLayout = {
  diskGuid: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
  partitions: [
    { typeGuid: GPT_TYPE.androidBootloader, uniqueGuid: '00112233-4455-6677-8899-aabbccddeeff', name: 'bootloader', firstLba: 2048, lastLba: 4095 },
    { typeGuid: GPT_TYPE.linuxReserved, uniqueGuid: 'a0a1a2a3-b0b1-c0c1-d0d1-e0e1e2e3e4e5', name: 'pstore', firstLba: 4096, lastLba: 4607, attributes: 1n << 63n },
    { typeGuid: GPT_TYPE.linuxFilesystem, uniqueGuid: 'deadbeef-0000-4000-8000-000000000001', name: 'rootfs', firstLba: 6144, lastLba: 100000 },
  ],
};

test('GUID text and bytes convert in the mixed-endian order UEFI uses', () => {
  const bytes = guidToBytes('00112233-4455-6677-8899-AABBCCDDEEFF');
  assert.deepEqual([...bytes], [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  assert.equal(guidFromBytes(bytes), '00112233-4455-6677-8899-aabbccddeeff');
  assert.throws(() => guidToBytes('00112233-4455-6677-8899'), (e: unknown) => e instanceof GuidError && /00112233-4455-6677-8899/.test(e.message));
});

test('guidFromBytes reads at an offset; isNullGuidAt tells an unused entry by its 16 zero bytes', () => {
  const bytes = new Uint8Array(40);
  bytes.set(guidToBytes('0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9'), 20);
  assert.equal(guidFromBytes(bytes, 20), '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9');
  assert.equal(isNullGuidAt(bytes, 0), true);
  assert.equal(isNullGuidAt(bytes, 20), false);
  bytes[35] = 0;
  bytes.fill(0, 20, 35);
  assert.equal(isNullGuidAt(bytes, 20), true);
  bytes[35] = 1;
  assert.equal(isNullGuidAt(bytes, 20), false, 'the last byte counts');
});

test('an encoded GPT has a protective MBR, headers at LBA 1 and the last LBA, and entry arrays next to them', () => {
  const writes = encodeGpt(sample, DISK);
  assert.deepEqual(
    writes.map((w) => [w.lba, w.bytes.length / SECTOR_SIZE]),
    [[0, 1], [1, 1], [2, 32], [LAST - 32, 32], [LAST, 1]],
  );
  const img = gptImage(sample, DISK);
  assert.equal(new TextDecoder().decode(img.subarray(512, 520)), 'EFI PART');
  assert.equal(img[446 + 4], 0xee, 'pMBR entry type');
  assert.equal(new DataView(img.buffer).getUint32(446 + 8, true), 1, 'pMBR starts at LBA 1');
  assert.equal(new DataView(img.buffer).getUint32(446 + 12, true), DISK - 1, 'pMBR covers the rest of the disk');
  const h = headerView(img, 1);
  assert.equal(Number(h.getBigUint64(GPT_HEADER.firstUsableLba, true)), 34);
  assert.equal(Number(h.getBigUint64(GPT_HEADER.lastUsableLba, true)), LAST - 33);
  assert.deepEqual(gptUsableRange(DISK), { firstUsableLba: 34, lastUsableLba: LAST - 33 });
});

test('decode(encode(layout)) gives the layout back, with Linux numbering and 7-bit labels', () => {
  const r = decodeGpt(imageReader(gptImage(sample, DISK)), DISK);
  assert.equal(r.valid, true);
  assert.equal(r.pmbr, 'protective');
  assert.equal(r.used, 'primary');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.layout, normalizeGptLayout(sample));
  assert.deepEqual(
    r.partitions.map((p) => [p.number, p.label, p.firstLba, p.lastLba, p.attributes]),
    [[1, 'bootloader', 2048, 4095, 0n], [2, 'pstore', 4096, 4607, 1n << 63n], [3, 'rootfs', 6144, 100000, 0n]],
  );
});

test('partition numbers follow the entry slot, so an empty slot leaves a gap', () => {
  const layout: GptLayout = { ...sample, partitions: [{ ...sample.partitions[0], number: 1 }, { ...sample.partitions[1], number: 5 }] };
  const r = decodeGpt(imageReader(gptImage(layout, DISK)), DISK);
  assert.deepEqual(r.partitions.map((p) => p.number), [1, 5]);
});

test('the async decoder reads the same sectors and returns the same result', async () => {
  const img = gptImage(sample, DISK);
  const sync = tracingReader(img);
  const expected = decodeGpt(sync.read, DISK);
  const seen: number[] = [];
  const got = await decodeGptAsync(async (lba) => (seen.push(lba), imageReader(img)(lba)), DISK);
  assert.deepEqual(got, expected);
  assert.deepEqual(seen, sync.lbas);
  assert.deepEqual(seen.slice(0, 3), [0, 1, 2], 'pMBR, primary header, primary entries first');
});

const layoutArb = fc
  .record({
    diskSectors: fc.integer({ min: 200, max: 1 << 22 }),
    entryCount: fc.constantFrom(4, 8, 128, 256),
    diskGuid: fc.uuid().map((u) => u.toLowerCase()),
  })
  .chain(({ diskSectors, entryCount, diskGuid }) => {
    const { firstUsableLba, lastUsableLba } = gptUsableRange(diskSectors, entryCount);
    const maxParts = Math.min(entryCount, 10, Math.floor((lastUsableLba - firstUsableLba + 1) / 2));
    return fc
      .integer({ min: 0, max: maxParts })
      .chain((count) =>
        fc.record({
          bounds: fc.uniqueArray(fc.integer({ min: firstUsableLba, max: lastUsableLba }), { minLength: 2 * count, maxLength: 2 * count }),
          numbers: fc.uniqueArray(fc.integer({ min: 1, max: Math.min(entryCount, 255) }), { minLength: count, maxLength: count }),
          parts: fc.array(
            fc.record({
              typeGuid: fc.uuid().map((u) => u.toLowerCase()),
              uniqueGuid: fc.uuid().map((u) => u.toLowerCase()),
              name: fc.string({ unit: 'binary', maxLength: 18 }).filter((s) => !s.includes('\0') && s.length <= 36),
              attributes: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
            }),
            { minLength: count, maxLength: count },
          ),
        }),
      )
      .map(({ bounds, numbers, parts }) => {
        const sorted = [...bounds].sort((a, b) => a - b);
        const layout: GptLayout = {
          diskGuid,
          entryCount,
          partitions: parts.map((p, i) => ({ ...p, number: numbers[i], firstLba: sorted[2 * i], lastLba: sorted[2 * i + 1] })),
        };
        return { layout, diskSectors };
      });
  });

test('property: decode(encode(layout)) equals the layout for random layouts (fixed seed)', () => {
  fc.assert(
    fc.property(layoutArb, ({ layout, diskSectors }) => {
      const disk = sparseDisk(encodeGpt(layout, diskSectors));
      const r = decodeGpt(disk.read, diskSectors);
      assert.equal(r.valid, true);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(r.layout, normalizeGptLayout(layout));
      assert.deepEqual(r.partitions.map((p) => p.number), normalizeGptLayout(layout).partitions.map((p) => p.number));
      // The backup alone describes the same layout.
      disk.sector(1).fill(0);
      const b = decodeGpt(disk.read, diskSectors, { forceGpt: true });
      assert.equal(b.used, 'alternate');
      assert.deepEqual(b.layout, normalizeGptLayout(layout));
    }),
    { seed: 0x5eed, numRuns: 150 },
  );
});

test('a corrupted primary header is rejected with Linux\'s CRC verdict; without the gpt parameter Linux stops there', () => {
  const img = gptImage(sample, DISK);
  img[SECTOR_SIZE + GPT_HEADER.diskGuid] ^= 0xff;
  const r = decodeGpt(imageReader(img), DISK);
  assert.equal(r.valid, false);
  assert.equal(r.primary?.verdict, 'bad-header-crc');
  assert.match(r.primary!.message, /^GUID Partition Table Header CRC is wrong: [0-9a-f]+ != [0-9a-f]+$/);
  assert.equal(r.alternate, undefined, 'find_valid_gpt() does not look at the alternate when the primary is bad');
  assert.deepEqual(r.partitions, []);
});

test('with forceGpt (kernel parameter gpt) a corrupted primary falls back to the backup header at the last LBA', () => {
  const img = gptImage(sample, DISK);
  img[SECTOR_SIZE + GPT_HEADER.diskGuid] ^= 0xff;
  const r = decodeGpt(imageReader(img), DISK, { forceGpt: true });
  assert.equal(r.valid, true);
  assert.equal(r.pmbr, 'skipped');
  assert.equal(r.used, 'alternate');
  assert.equal(r.alternate?.lba, LAST);
  assert.equal(r.header?.myLba, LAST);
  assert.deepEqual(r.warnings.map((w) => w.message), ['Primary GPT is invalid, using alternate GPT.']);
  assert.deepEqual(r.layout, normalizeGptLayout(sample));
});

test('a corrupted primary entry array fails the entry CRC check', () => {
  const img = gptImage(sample, DISK);
  img[2 * SECTOR_SIZE + GPT_ENTRY.name] ^= 0x01;
  const r = decodeGpt(imageReader(img), DISK);
  assert.equal(r.primary?.verdict, 'bad-entries-crc');
  assert.equal(r.primary?.message, 'GUID Partition Entry Array CRC check failed.');
  const forced = decodeGpt(imageReader(img), DISK, { forceGpt: true });
  assert.equal(forced.used, 'alternate');
  assert.equal(forced.partitions[0].name, 'bootloader');
});

test('a bad backup is reported but the primary is used', () => {
  const img = gptImage(sample, DISK);
  img[LAST * SECTOR_SIZE + GPT_HEADER.firstUsableLba] ^= 0x01;
  const r = decodeGpt(imageReader(img), DISK);
  assert.equal(r.used, 'primary');
  assert.equal(r.alternate?.verdict, 'bad-header-crc');
  assert.deepEqual(r.warnings.map((w) => w.message), ['Alternate GPT is invalid, using primary GPT.']);
});

test('each is_gpt_valid() check has its own verdict, in the kernel\'s order', () => {
  const cases: [string, (img: Uint8Array) => void, string, RegExp][] = [
    ['signature', (img) => (img[SECTOR_SIZE] = 0x46), 'bad-signature', /^GUID Partition Table Header signature is wrong/],
    ['header size too large', (img) => (headerView(img, 1).setUint32(GPT_HEADER.headerSize, 513, true), resealHeader(img, 1)), 'header-too-large', /too large: 513 > 512/],
    ['header size too small', (img) => (headerView(img, 1).setUint32(GPT_HEADER.headerSize, 91, true), resealHeader(img, 1)), 'header-too-small', /too small: 91 < 92/],
    ['my_lba', (img) => (headerView(img, 1).setBigUint64(GPT_HEADER.myLba, 7n, true), resealHeader(img, 1)), 'bad-my-lba', /^GPT my_lba incorrect: 7 != 1$/],
    ['first usable', (img) => (headerView(img, 1).setBigUint64(GPT_HEADER.firstUsableLba, BigInt(DISK), true), resealHeader(img, 1)), 'bad-first-usable', /first_usable_lba incorrect/],
    ['last usable', (img) => (headerView(img, 1).setBigUint64(GPT_HEADER.lastUsableLba, BigInt(DISK), true), resealHeader(img, 1)), 'bad-last-usable', /last_usable_lba incorrect/],
    ['usable range reversed', (img) => (headerView(img, 1).setBigUint64(GPT_HEADER.lastUsableLba, 10n, true), resealHeader(img, 1)), 'bad-usable-range', /last_usable_lba incorrect: 10 > 34/],
    ['entry size', (img) => (headerView(img, 1).setUint32(GPT_HEADER.sizeofPartitionEntry, 256, true), resealHeader(img, 1)), 'bad-entry-size', /^GUID Partition Entry Size check failed\.$/],
    ['table too large', (img) => (headerView(img, 1).setUint32(GPT_HEADER.numPartitionEntries, 0x10000, true), resealHeader(img, 1)), 'table-too-large', /too large: 8388608 > 4194304 bytes/],
    ['no entries', (img) => (headerView(img, 1).setUint32(GPT_HEADER.numPartitionEntries, 0, true), resealHeader(img, 1)), 'entries-unreadable', /no partition entries/],
    ['entries past the end', (img) => (headerView(img, 1).setBigUint64(GPT_HEADER.partitionEntryLba, BigInt(LAST - 2), true), resealHeader(img, 1)), 'entries-unreadable', /runs past the last LBA/],
  ];
  for (const [what, corrupt, verdict, message] of cases) {
    const img = gptImage(sample, DISK);
    corrupt(img);
    const r = decodeGpt(imageReader(img), DISK);
    assert.equal(r.valid, false, what);
    assert.equal(r.primary?.verdict, verdict, what);
    assert.match(r.primary!.message, message, what);
  }
});

test('without a protective MBR there is no GPT unless forced', () => {
  const img = gptImage(sample, DISK);
  img[446 + 4] = 0x83;
  assert.equal(decodeGpt(imageReader(img), DISK).pmbr, 'invalid');
  assert.equal(decodeGpt(imageReader(img), DISK).valid, false);
  assert.equal(decodeGpt(imageReader(img), DISK, { forceGpt: true }).valid, true);
  img[446 + 4] = 0xee;
  img[446 + 16 + 4] = 0x83; // a second, non-GPT entry makes it hybrid: still accepted
  assert.equal(decodeGpt(imageReader(img), DISK).pmbr, 'hybrid');
  assert.equal(decodeGpt(imageReader(img), DISK).valid, true);
});

test('an image copied to a larger disk keeps working; compare_gpts() warns that the backup is not at the end', () => {
  const small = gptImage(sample, DISK);
  const big = new Uint8Array(small.length + MIB);
  big.set(small);
  const r = decodeGpt(imageReader(big), DISK + MIB / SECTOR_SIZE);
  assert.equal(r.valid, true);
  assert.equal(r.used, 'primary');
  const messages = r.warnings.map((w) => w.message);
  assert.ok(messages.some((m) => m.startsWith('GPT:Primary header thinks Alt. header is not at the end of the disk.')));
  assert.ok(messages.some((m) => m.startsWith('GPT:Alternate GPT header not at the end of the disk.')));
  assert.equal(messages.at(-1), 'GPT: Use GNU Parted to correct GPT errors.');
  assert.equal(r.partitions.length, 3);
});

test('an image cut short is rejected: its usable range runs past the disk', () => {
  const img = gptImage(sample, DISK).subarray(0, (DISK - 2048) * SECTOR_SIZE);
  const r = decodeGpt(imageReader(img), DISK - 2048);
  assert.equal(r.valid, false);
  assert.equal(r.primary?.verdict, 'bad-last-usable');
});

test('entries past the end of the disk are skipped (is_pte_valid), entries outside the usable range are kept', () => {
  const img = gptImage(sample, DISK);
  editEntry(img, 2, (e) => e.setBigUint64(GPT_ENTRY.endingLba, BigInt(DISK + 5), true));
  editEntry(img, 0, (e) => e.setBigUint64(GPT_ENTRY.startingLba, 20n, true));
  const r = decodeGpt(imageReader(img), DISK);
  assert.equal(r.valid, true);
  assert.deepEqual(r.partitions.map((p) => p.number), [1, 2]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.slot]), [['entry-outside-usable', 1], ['entry-beyond-disk', 3]]);
  assert.match(r.warnings[1].message, /partition 3 \(LBA 6144\.\.131077\) lies past the last LBA 131071/);
  assert.equal(r.layout?.partitions.length, 3, 'the layout still lists every non-empty entry');
});

test('Linux reads only the first 255 entry slots; slot 256 is listed in the layout but not registered', () => {
  const layout: GptLayout = { ...sample, entryCount: 256, partitions: [{ ...sample.partitions[0], number: 256 }, { ...sample.partitions[1], number: 255 }] };
  const r = decodeGpt(imageReader(gptImage(layout, DISK)), DISK);
  assert.deepEqual(r.partitions.map((p) => p.number), [255]);
  assert.deepEqual(r.layout?.partitions.map((p) => p.number), [255, 256]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.slot]), [['entry-over-limit', 256]]);
});

test('an entry that ends before it starts is not registered', () => {
  const img = gptImage(sample, DISK);
  editEntry(img, 1, (e) => e.setBigUint64(GPT_ENTRY.endingLba, 4000n, true));
  const r = decodeGpt(imageReader(img), DISK);
  assert.deepEqual(r.partitions.map((p) => p.number), [1, 3]);
  assert.equal(r.warnings[0].code, 'entry-reversed');
});

test('names are UTF-16LE; PARTLABEL sees them through Linux\'s 7-bit conversion', () => {
  assert.equal(linuxVolname(encodeGptName('pstore')), 'pstore');
  assert.equal(linuxVolname(encodeGptName('crash\u00e9\u0007x')), 'crashi!x'); // é & 0x7f = 'i', BEL → '!'
  const layout: GptLayout = { ...sample, partitions: [{ ...sample.partitions[0], name: 'Ünïcode ☃ name' }] };
  const r = decodeGpt(imageReader(gptImage(layout, DISK)), DISK);
  assert.equal(r.partitions[0].name, 'Ünïcode ☃ name');
  assert.equal(r.partitions[0].label.length, 'Ünïcode ☃ name'.length);
  assert.throws(() => encodeGptName('x'.repeat(37)), PartitionLayoutError);
});

test('encodeGpt refuses layouts it cannot write, naming the value', () => {
  const bad = (partitions: GptLayout['partitions'], re: RegExp, sectors = DISK) =>
    assert.throws(() => encodeGpt({ ...sample, partitions }, sectors), (e: unknown) => e instanceof PartitionLayoutError && re.test(e.message));
  const [a, b] = sample.partitions;
  bad([a, { ...b, firstLba: 4000 }], /partition 2 \(LBA 4000\.\.4607\) overlaps partition 1 \(LBA 2048\.\.4095\)/);
  bad([{ ...a, firstLba: 33 }], /LBA 33\.\.4095 is outside the usable LBAs 34\.\.131038/);
  bad([{ ...a, lastLba: LAST - 32 }], /outside the usable LBAs/);
  bad([{ ...a, lastLba: 100 }], /LBA 2048\.\.100 is not a non-empty range/);
  bad([{ ...a, typeGuid: '00000000-0000-0000-0000-000000000000' }], /type GUID .* is not a non-zero GUID/);
  bad([{ ...a, number: 1 }, { ...b, number: 1 }], /number 1 is not a free slot/);
  bad([{ ...a, number: 129 }], /number 129 is not a free slot in 1\.\.128/);
  bad([a], /too small for a GPT/, 60);
});
