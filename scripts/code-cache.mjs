// Records V8's code cache for the bundled CLI (run by scripts/bundle.mjs in a child process with
// its output discarded): the bundle is compiled from source, then the runs below execute the
// paths a user's commands take, so their functions are compiled too, and the cache is written.
// Usage: node scripts/code-cache.mjs CACHE_FILE WORK_DIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../bin/load-bundle.js';

const [cacheFile, work] = process.argv.slice(2);
const raw = join(work, 'raw.img');
const card = join(work, 'card.img');
writeFileSync(raw, new Uint8Array(256 << 10));

const cli = loadBundle({ useCache: false });
const runs = [
  // a raw region with no record (exit 3): the start-up path every read shares
  ['inspect', '--image', raw, '--kmsg-size', '64'],
  // a card: make it, panic on it, read it back through the emulated board and raw
  ['mkimage', '--image', card, '--size', '16M', '--pstore-size', '1M'],
  ['panic', '--image', card, '--message', 'code cache'],
  ['recover', '--image', card],
  ['recover', '--image', card, '--blkdev', '/dev/mmcblk0p6', '--json'],
];
for (const argv of runs) {
  const status = await cli.main(argv);
  if (status !== 0 && status !== 3) throw new Error(`code-cache run '${argv.join(' ')}' exited ${status}`);
}
writeFileSync(cacheFile, cli.createCachedData());
