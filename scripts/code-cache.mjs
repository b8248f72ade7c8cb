// Records V8's code cache for the bundled CLI (run by scripts/bundle.mjs in a child process with
// its output discarded): the bundle is compiled from source, the reads below run so that the
// functions of the paths every read takes are compiled too, and the cache is written. The card
// they read is made first in another process: the write path (mkimage, panic) stays out of the
// cache, which every start deserializes (docs/performance.md: ~13 ms for 0.9 MB). The cache is
// written where bin/load-bundle.js looks for it under this Node (codeCachePath: named after its
// version, V8 and architecture), so only the same Node ever reads it.
// Usage: node scripts/code-cache.mjs WORK_DIR BUNDLE_DIR
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeCachePath, loadBundle } from '../bin/load-bundle.js';

const [work, dir] = process.argv.slice(2);
const runBundle = fileURLToPath(new URL('run-bundle.cjs', import.meta.url));
const raw = join(work, 'raw.img');
const card = join(work, 'card.img');
writeFileSync(raw, new Uint8Array(256 << 10));
for (const argv of [
  ['mkimage', '--image', card, '--size', '16M', '--pstore-size', '1M'],
  ['panic', '--image', card, '--message', 'code cache'],
]) {
  const r = spawnSync(process.execPath, [runBundle, dir, ...argv], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`'${argv.join(' ')}' exited ${r.status}`);
}

const cli = loadBundle({ useCache: false, dir });
const runs = [
  // a raw region with no record (exit 3): the start-up path every read shares
  ['inspect', '--image', raw, '--kmsg-size', '64'],
  // a card read through the emulated board, and its partition read raw
  ['recover', '--image', card],
  ['recover', '--image', card, '--blkdev', '/dev/mmcblk0p6', '--json'],
];
for (const argv of runs) {
  const status = await cli.main(argv);
  if (status !== 0 && status !== 3) throw new Error(`code-cache run '${argv.join(' ')}' exited ${status}`);
}
writeFileSync(codeCachePath(dir), cli.createCachedData());
