/** `mmcpstore recover`: its help and examples; the work is in ../recover.ts, loaded when the command runs. */
import type { CommandSpec } from '../command.js';

export const recover: CommandSpec = {
  name: 'recover',
  summary: 'extract the records of an image, as /sys/fs/pstore would show them',
  description:
    'Reads the image as the kernel would after a reboot and writes each record\'s contents to stdout, ' +
    'each preceded on stderr by a banner line "==> NAME (Reason#count, TIME, N bytes) <==". ' +
    'With --out DIR, writes one file per record instead, named, dated and moded as in /sys/fs/pstore ' +
    '(or, with --layout systemd, as systemd-pstore archives them). Several images run on a worker pool. ' +
    'A whole-disk image with no region named is read region by region as detect finds them (--region N: one). ' +
    'Exits 3 when there is no record.',
  examples: [
    ['mmcpstore recover --image pstore.img', 'every record to stdout, banners on stderr'],
    ['mmcpstore recover -i pstore.img --out crash/', 'crash/dmesg-pstore_blk-0, ... as in /sys/fs/pstore'],
    ['mmcpstore recover -i pstore.img --params "pstore_blk.kmsg_size=32 pstore_blk.pmsg_size=128"', 'parameters as on the kernel command line'],
    ['mmcpstore recover -i pstore.img --json | jq -r \'select(.reason == "Panic") | .data\'', 'the text of panic records only'],
    ['mmcpstore recover -i pstore.img --salvage --out crash/', 'also damaged and erased records, under crash/salvaged/'],
    ['mmcpstore recover -i pstore.img --type pmsg --format logcat', 'Android pmsg entries as logcat -v threadtime lines'],
    ['mmcpstore recover -i pstore.img --type ftrace --symbols System.map', 'ftrace with function names'],
    ['mmcpstore recover -i pstore.img --timeline', 'the newest dump, console and pmsg lines in time order'],
    ['mmcpstore recover -i pstore.img --out archive/ --layout systemd', 'as systemd-pstore archives it: mode 0600 copies and dmesg.txt'],
    ['mmcpstore recover -i pstore.img --type kmsg --record dmesg-pstore_blk-3', 'one record only'],
    ['mmcpstore recover -i a.img -i b.img --out crash/', 'several images on a worker pool: crash/a.img/, crash/b.img/'],
    ['mmcpstore recover -i disk.img --out crash/', 'a whole disk: every region detect finds, crash/p5-crashlog/, crash/at-0x4000000/, ...'],
    ['mmcpstore recover -i disk.img --region 2', 'only region 2, numbered as detect lists them'],
  ],
  manyImages: true,
  run: async (o, io) => (await import('../recover.js')).runRecover(o, io),
};
