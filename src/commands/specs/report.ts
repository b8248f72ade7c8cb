/** `mmcpstore report`: its help and examples; the work is in ../report.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const report: CommandSpec = {
  name: 'report',
  summary: 'write a self-contained HTML crash report of an image, to attach to a bug',
  description:
    'Reads the image as inspect and recover do (read-only; a whole card through the emulated driver) and writes ' +
    'one HTML file with no scripts and nothing fetched: the image, card and parameters, the zone map, every record ' +
    'with its full text, the records in time order, the --explain findings and, with --from-panic, the phases ' +
    'of the panic path. Same inputs, same bytes. Exits 3 (after writing the report) when there is no record.',
  examples: [
    ['mmcpstore report --image pstore.img --out report.html', 'the report of a pstore partition image'],
    ['mmcpstore report -i card.img --blkdev /dev/mmcblk0p6 -o report.html', 'a whole card, read through its pstore partition'],
    ['mmcpstore panic -i card.img --json > panic.json; mmcpstore report -i card.img --from-panic panic.json -o report.html', 'with the phase bar of the panic that wrote the record'],
    ['mmcpstore report -i disk.img --offset 2048s --size 1M --kmsg-size 32 > report.html', 'a region inside a disk image, to stdout'],
  ],
  run: async (o, io) => (await import('../report.js')).runReport(o, io),
};
