/** `mmcpstore detect`: its help and examples; the work is in ../detect.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const detect: CommandSpec = {
  name: 'detect',
  summary: 'find every pstore/zone region in a disk or eMMC image and infer its parameters',
  description:
    'Scans a whole disk or eMMC image (streamed in 1 MiB chunks, all-zero chunks skipped) for pstore/zone signatures, ' +
    'and lists each region found with its offset, size, the GPT/MBR partition it lies in, the module parameters inferred ' +
    'from its zones and how sure that is (exact, likely, ambiguous), and the inspect command line that reads it ' +
    '(shell-quoted: it runs as pasted). Finds the partition table of mkimage --layout qemu images after boot0|boot1|RPMB; ' +
    'a dump cut short is read as far as it goes. Exits 3 when there is none.',
  examples: [
    ['mmcpstore detect --image emmc.img', 'regions, partitions and inferred parameters'],
    ['mmcpstore detect -i emmc.img --json | jq \'.regions[] | {offset, size, params: .layout.params}\'', 'the same as JSON'],
  ],
  run: async (o, io) => (await import('../detect.js')).runDetect(o, io),
};
