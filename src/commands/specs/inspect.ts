/** `mmcpstore inspect`: its help and examples; the work is in ../inspect.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const inspect: CommandSpec = {
  name: 'inspect',
  summary: 'show the zone layout, each zone\'s verdict and the records of an image',
  description:
    'Registers pstore/blk over the image (read-only) with the given module parameters, runs pstore/zone\'s ' +
    'recovery, and prints every zone in disk order with its header and the kernel\'s verdict, then the ' +
    'records /sys/fs/pstore would show. A whole-disk image with no region named is shown region by region as ' +
    'detect finds them, each with its own bounds and parameters (--region N: one). Exits 3 when there is no record.',
  examples: [
    ['mmcpstore inspect --image pstore.img', 'zones and records with the default parameters (kmsg_size=64)'],
    ['mmcpstore inspect -i disk.img --offset 2048s --size 1M --kmsg-size 32', 'a pstore partition inside a disk image'],
    ['mmcpstore inspect -i pstore.img --params "$(cat /proc/cmdline)"', 'the parameters of a kernel command line'],
    ['mmcpstore inspect -i pstore.img --json | jq \'.zones[] | select(.status != "ok")\'', 'zones the kernel skipped'],
    ['mmcpstore inspect -i pstore.img --explain', 'why each zone shows nothing, and kernel settings that explain an empty pstore'],
    ['mmcpstore inspect --images-from farm.txt --json', 'the images listed in farm.txt on a worker pool, one JSON object per line'],
  ],
  manyImages: true,
  run: async (o, io) => (await import('../inspect.js')).runInspect(o, io),
};
