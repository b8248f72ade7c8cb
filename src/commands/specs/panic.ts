/** `mmcpstore panic`: its help and examples; the work is in ../panic.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const panic: CommandSpec = {
  name: 'panic',
  summary: 'boot the emulated board over a card image and panic: mmcpstore writes the dmesg record',
  description:
    'Boots the emulated board over the image (SDHCI controller + eMMC card), registers mmcpstore for the ' +
    'pstore partition and mounts pstorefs (earlier records survive), fills the kernel log (the seeded boot ' +
    'log, then --log lines), and panics: the panic path writes the record through the controller\'s ' +
    'registers. Reports the zone, offset, sizes, counter and the virtual time the write took. Scenario ' +
    'switches put the board in a hazard of docs/scenarios.md first. Exits 1 when the record did not land, ' +
    'with the reason the driver logged.',
  examples: [
    ['mmcpstore panic --image disk.img', 'a panic on the default partition (PARTLABEL pstore), fixed driver'],
    ['mmcpstore panic -i disk.img --log my.log --message "Oops in my_driver"', 'your own log lines (a file, or - for standard input) before the panic'],
    ['mmcpstore panic -i disk.img --inflight --driver posted', 'H1 with the posted v4 driver: silent loss'],
    ['mmcpstore panic -i disk.img --fault busy:forever@cmd25 --json', 'H8: the card never leaves busy'],
  ],
  run: async (o, io) => (await import('../panic.js')).runPanicCommand(o, io),
};
