/** `mmcpstore mkimage`: its help and examples; the work is in ../mkimage.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const mkimage: CommandSpec = {
  name: 'mkimage',
  summary: 'make a blank eMMC card image with a GPT and a pstore partition',
  description:
    'Creates a card image whose user area holds a GPT with realistic neighbours (pstore is partition 6), ' +
    'written through the emulated SDHCI controller and eMMC card, and prints the partition table and the ' +
    'pstore_blk.blkdev to use. Refuses an existing file unless --force.',
  examples: [
    ['mmcpstore mkimage --image disk.img --size 64M --pstore-size 1M', 'a 64 MiB card, pstore = /dev/mmcblk0p6'],
    ['mmcpstore mkimage -i disk.img --size 64M --layout qemu --force', 'boot0|boot1|RPMB|user in one file, as QEMU\'s emmc'],
  ],
  run: async (o, io) => (await import('../mkimage.js')).runMkimage(o, io),
};
