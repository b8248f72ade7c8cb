/**
 * Images whose dmesg records were compressed as crypto/<alg>.c of 4.19 .. 6.5
 * stores them (fixtures/crypto/, made with the reference libraries): the
 * pstore core shows each record as the kernel that wrote it would, without
 * `.enc.z`, and says which algorithm decoded it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MemoryRegion,
  PstoreCore,
  genericBlkDevice,
  kernelProfile,
  mergeBlkParams,
  registerPstoreDevice,
  type CompressAlgorithm,
  type PstoreFile,
} from '../../src/zone/index.js';
import { sha256 } from '../helpers/hash.js';
import { type CraftedFixture, craftedParams, listCrafted } from './extra-fixtures.js';

function read(fx: CraftedFixture, decompress?: CompressAlgorithm, kernel = '5.15'): PstoreFile[] {
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image.slice())), mergeBlkParams(craftedParams(fx)), {
    nrCpus: fx.sidecar.cpus,
    profile: kernelProfile(kernel),
  });
  return new PstoreCore(reg.zone, decompress ? { decompress } : {}).readFiles();
}

const fixtures = listCrafted('crypto');

test('there is a crafted image for each crypto compressor the zone layer decodes', () => {
  assert.deepEqual(fixtures.map((f) => f.sidecar.module_params['pstore.compress']).sort(), ['lz4', 'lz4hc', 'lzo', 'zstd']);
});

for (const fx of fixtures) {
  const alg = fx.sidecar.module_params['pstore.compress'] as CompressAlgorithm;
  describe(fx.name, () => {
    test('the image is the one the sidecar describes', () => {
      assert.equal(sha256(fx.image), fx.sidecar.image_sha256);
    });

    for (const [how, given] of [['identified by trial', undefined], [`with pstore.compress=${alg}`, alg]] as const) {
      test(`${how}: the records the kernel would show, named without .enc.z`, () => {
        const files = read(fx, given);
        assert.deepEqual(files.map((f) => f.name), fx.sidecar.records_expected.map((r) => r.name));
        for (const f of files) {
          const want = fx.sidecar.records_expected.find((r) => r.name === f.name)!;
          assert.equal(f.compressed, false);
          assert.ok(Buffer.from(f.data).equals(fx.expected.get(f.name)!), `${f.name} bytes`);
          assert.equal(sha256(f.data), want.sha256);
          assert.equal(f.size, want.size);
          assert.equal(f.storedSize, want.stored_size);
          assert.equal(Number(f.time.sec), want.mtime);
          assert.equal(f.reasonName, want.reason);
          assert.equal(f.algorithm, given ?? want.algorithm);
          assert.equal(f.algorithmSource, given ? 'given' : 'trial');
          assert.deepEqual(f.notes, []);
        }
      });
    }

    test('with another algorithm given the records stay .enc.z, with the reason', () => {
      const other: CompressAlgorithm = alg === 'zstd' ? 'lzo' : 'zstd';
      const files = read(fx, other);
      for (const f of files) {
        assert.match(f.name, /\.enc\.z$/);
        assert.equal(f.compressed, true);
        assert.equal(f.algorithm, other);
        assert.match(f.notes[0]!, new RegExp(`^crypto_comp_decompress\\(\\) failed: ${other}: `));
      }
    });
  });
}

test('842 given: the record stays .enc.z and says there is no decoder', () => {
  const files = read(fixtures[0]!, '842');
  assert.ok(files.every((f) => f.name.endsWith('.enc.z') && /no maintained 842 decoder/.test(f.notes[0]!)));
});

test('a deflate image reads as before: algorithm deflate, chosen by default, same notes', () => {
  // Covered byte for byte by fixtures.test.ts; here only the new fields.
  const fx = fixtures[0]!;
  const files = read(fx, 'deflate');
  assert.ok(files.every((f) => f.compressed && f.notes[0]!.startsWith('zlib_inflate() failed: ') && f.trials === undefined));
});
