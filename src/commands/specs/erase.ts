/** `mmcpstore erase`: its help and examples; the work is in ../erase.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const erase: CommandSpec = {
  name: 'erase',
  summary: 'erase a record (NAME) or all of them, as unlinking in /sys/fs/pstore does',
  description:
    'Boots the board over the card image, mounts pstorefs (recovery), and unlinks NAME (a pstorefs file name, ' +
    'e.g. dmesg-pstore_blk-0) or with --all every record; pstore/zone erases the zone through mmcpstore. ' +
    'Exits 3 when NAME is not a record.',
  examples: [
    ['mmcpstore erase -i disk.img dmesg-pstore_blk-0', 'one record'],
    ['mmcpstore erase -i disk.img --all', 'every record'],
  ],
  argument: { name: 'NAME', key: 'text', optional: true, description: 'the record\'s pstorefs file name' },
  run: async (o, io) => (await import('../erase.js')).runErase(o, io),
};
