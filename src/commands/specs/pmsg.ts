/** `mmcpstore pmsg` and `mmcpstore console`: their help and examples; the work is in ../pmsg.ts, loaded when a command runs. */
import type { CommandSpec } from '../command.js';

export const pmsg: CommandSpec = {
  name: 'pmsg',
  summary: 'boot the emulated board and write TEXT to /dev/pmsg0 (the pmsg zone)',
  description:
    'Boots the board over the card image (recovery at the pstorefs mount: the pmsg zone keeps what it held), ' +
    'writes TEXT (or standard input) to /dev/pmsg0, and shuts down cleanly, which flushes the zone through ' +
    'mmcpstore; the zone is then read back through a second boot: exits 0 when it is on the card, 1 when not. ' +
    'Needs --pmsg-size; give the same zone sizes to every command on one image.',
  examples: [
    ['mmcpstore pmsg -i disk.img --pmsg-size 64 "init: starting service"', 'one pmsg line'],
    ['mmcpstore pmsg -i disk.img --pmsg-size 64 - < service.log', 'from standard input'],
  ],
  argument: { name: 'TEXT', key: 'text', optional: true, description: 'what to write ("-" or none: standard input); a newline is added' },
  run: async (o, io) => (await import('../pmsg.js')).runPmsg(o, io),
};
export const consoleCommand: CommandSpec = {
  name: 'console',
  summary: 'boot the emulated board and printk TEXT: the console zone records it',
  description:
    'Boots the board over the card image (recovery at the pstorefs mount); pstore\'s console is registered ' +
    'with CON_PRINTBUFFER, so it receives the boot log, then each line of TEXT (or standard input) printk\'d ' +
    'as `echo TEXT > /dev/kmsg` does; writes the driver defers (-EBUSY under the console lock) are retried by ' +
    'pstore\'s flusher 500 ms later, then a clean shutdown and the read-back: exits 0 when the zone is on the ' +
    'card, 1 when not (v3–v5 lose what is still dirty at shutdown: H16). Needs --console-size.',
  examples: [['mmcpstore console -i disk.img --console-size 64 "hello from the console"', 'one console line']],
  argument: { name: 'TEXT', key: 'text', optional: true, description: 'lines to printk ("-" or none: standard input)' },
  run: async (o, io) => (await import('../pmsg.js')).runConsole(o, io),
};
