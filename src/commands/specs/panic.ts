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
    'switches put the board in a hazard of docs/scenarios.md first. --driver picks the version (v3, v4, v5 as ' +
    'posted; proposed: our corrections). The record is read back through a second boot: exits 0 when it is on ' +
    'the card (also when the driver returned an error: the report says both), 1 when it is not, with the reason.',
  examples: [
    ['mmcpstore panic --image disk.img', 'a panic on the default partition (PARTLABEL pstore), mmcpstore v5'],
    ['mmcpstore panic -i disk.img --log my.log --message "Oops in my_driver"', 'your own log lines (a file, or - for standard input) before the panic'],
    ['mmcpstore panic -i disk.img --inflight --driver v4', 'H1 with v4 as posted: success reported, nothing on the card (exit 1)'],
    ['mmcpstore panic -i disk.img --inflight --driver proposed', 'H1 with our corrections: CMD12, then the record'],
    ['mmcpstore panic -i disk.img --fault busy:forever@cmd25 --json', 'H8: the card never leaves busy: the driver returns -ETIMEDOUT, the record is on the card (exit 0)'],
  ],
  run: async (o, io) => (await import('../panic.js')).runPanicCommand(o, io),
};
