/** `mmcpstore oops`: its help and examples; the work is in ../oops.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const oops: CommandSpec = {
  name: 'oops',
  summary: 'boot the emulated board and oops (no panic): the dump is deferred and flushed',
  description:
    'Boots the board over the card image (recovery at the pstorefs mount), fills the log, and raises an oops ' +
    'with panic_on_oops=0: pstore/zone defers the dump (-EBUSY in atomic context) and its flusher writes it ' +
    'through mmcpstore\'s normal path 500 ms later; then a clean shutdown, and the record is read back through a ' +
    'second boot. Needs --max-reason 2 (the default) or more: with 1 nothing is dumped. Exits 0 when the record is on ' +
    'the card, 1 when it is not.',
  examples: [
    ['mmcpstore oops --image disk.img --message "Unable to handle kernel NULL pointer dereference"', 'an Oops record'],
  ],
  run: async (o, io) => (await import('../oops.js')).runOopsCommand(o, io),
};
