/**
 * Every command-line option, in ONE table (after npm-check-updates'
 * cli-options.ts), with its real default. src/cli.ts builds the commander
 * options from it in a loop, docs/cli.md and the man page are generated from
 * it (`npm run docs`), and the CliOptions type is derived from it (options.ts).
 * Parsers (option-parsers.ts) validate and name the option and the value they
 * refuse; they throw UsageError (exit 2), never commander's own errors.
 */
import { DEFAULT_COMPRESS, DEFAULT_MAX_SIZE, DEFAULT_NR_CPUS, DEFAULT_SEED } from '../reader/defaults.js';
import { OUT_LAYOUTS } from '../reader/outdir.js';
import { COMPRESS_CHOICES } from '../reader/params.js';
import { ARCHES } from '../zone/codec.js';
import { BLK_DEFAULTS } from '../zone/blk-defaults.js';
import { MiB } from '../lib/units.js';
import { DEFAULT_MMCPSTORE_VERSION } from '../driver/mmcpstore/versions.js'; // not the board's index (driver-option.ts)
import { driverDescription, parseDriver } from './driver-option.js';
import { appendTo, choice, nonEmpty, parseByteSize, parseCacheSize, parseCount, parseKernel, parseKib, parseMaxReason, parseType, parseWaitSeconds } from './option-parsers.js';

/** Commands that boot the emulated board (docs/cli.md, "The emulated board"). */
export type BoardCommandName = 'mkimage' | 'panic' | 'oops' | 'pmsg' | 'console' | 'erase';
export const BOARD_COMMANDS: readonly BoardCommandName[] = ['mkimage', 'panic', 'oops', 'pmsg', 'console', 'erase'];
export type CommandName = 'inspect' | 'recover' | 'detect' | 'report' | 'completion' | BoardCommandName;
export const COMMAND_NAMES: readonly CommandName[] = ['inspect', 'recover', 'detect', 'report', 'completion', ...BOARD_COMMANDS];

export type OptionGroup = 'image' | 'params' | 'output' | 'general';

/** One row of the table; options.ts derives the type of each value from `parse`/`repeatable`/`arg`. */
export interface OptionEntry {
  /** Field of CliOptions the value lands in. */
  key: string;
  /** Long flag without the dashes. */
  long: string;
  short?: string;
  /** Argument placeholder; absent for a boolean flag. `[X]` marks an optional argument. */
  arg?: string;
  description: string;
  /** The value that applies when the option is absent (optionDefault()); help shows it. */
  default?: string | number | boolean;
  /** Help's words for the default when they are not the value alone (a rule, or a unit). */
  defaultText?: string;
  /** What the default value means, shown after it: `-1 (off)`. */
  defaultNote?: string;
  /** Value when the flag is given with an optional argument left out. */
  preset?: string;
  parse?: (value: string) => unknown;
  /** The flag may be given several times; parse() then sees each value and the list so far. */
  repeatable?: (value: string, previous: unknown) => unknown;
  /** Long names of options this one cannot be combined with. */
  conflicts?: readonly string[];
  group: OptionGroup;
  commands: readonly CommandName[];
}

/** Keeps each entry's literal types (its key, its parser's result) for options.ts. */
function opt<const E extends OptionEntry>(entry: E): E {
  return entry;
}

const BOTH: readonly CommandName[] = ['inspect', 'recover'];
const ALL: readonly CommandName[] = ['inspect', 'recover', 'detect', ...BOARD_COMMANDS];
/** Commands that read one region of an image (--offset, --size). */
const READS_REGION: readonly CommandName[] = ['inspect', 'recover', 'report'];
/** Commands that register pstore/blk with module parameters. */
const WITH_PARAMS: readonly CommandName[] = ['inspect', 'recover', 'report', 'panic', 'oops', 'pmsg', 'console', 'erase'];
const BOOTS: readonly CommandName[] = ['panic', 'oops', 'pmsg', 'console', 'erase'];
/** Commands that only read the image (and so take compressed and streamed images). */
const READS: readonly CommandName[] = ['inspect', 'recover', 'detect', 'report'];
/** --region's upper bound: more regions than GPT slots (128) would be a scan gone wrong. */
const MAX_REGIONS = 4096;

// -------------------------------------------------------------------- table

export const OPTIONS = [
  opt({
    key: 'images', long: 'image', short: 'i', arg: 'FILE', group: 'image', commands: [...ALL, 'report'],
    description: 'image file or block device holding the pstore/blk region; reading commands open it read-only and also take a gzip, xz or zstd image (told by its first bytes), a FIFO, or - for standard input; writing commands take a block device only with --allow-device; inspect and recover take several, run on a worker pool',
    repeatable: appendTo('image'),
  }),
  opt({
    key: 'imagesFrom', long: 'images-from', arg: 'FILE', group: 'image', commands: BOTH,
    description: 'read more image paths from FILE ("-": standard input), one per line; blank lines and # comments are skipped',
    parse: nonEmpty('images-from'),
  }),
  opt({
    key: 'maxSize', long: 'max-size', arg: 'BYTES', group: 'image', commands: READS,
    description: 'most bytes a compressed or streamed --image (gzip, xz, zstd, a FIFO, -) may hold once decompressed: it is read once into a temporary sparse file, and past this the read stops with exit 65',
    default: DEFAULT_MAX_SIZE, defaultText: '64G', parse: (v) => parseByteSize('max-size', v, { allowZero: false }),
  }),
  opt({
    key: 'allowDevice', long: 'allow-device', group: 'image', commands: BOOTS,
    description: 'let a writing command open a block device as --image (/dev/mmcblk0, /dev/sdX, /dev/loopN): it is opened exclusively, so a mounted or busy device is refused',
  }),
  opt({
    key: 'jobs', long: 'jobs', short: 'j', arg: 'N', group: 'image', commands: BOTH,
    description: 'worker threads for several images (1: one after another in this thread)',
    defaultText: 'the number of CPUs', parse: (v) => parseCount('jobs', v, 256),
  }),
  opt({
    key: 'offset', long: 'offset', arg: 'BYTES', group: 'image', commands: READS_REGION,
    description: 'start of the pstore region in the file; suffixes K, M, G, s (512-byte sectors)',
    defaultText: '0, or mmcpstore.sector_offset from --params',
    parse: (v) => parseByteSize('offset', v, { allowZero: true }),
  }),
  opt({
    key: 'size', long: 'size', arg: 'BYTES', group: 'image', commands: READS_REGION,
    description: 'length of the pstore region (the partition size the kernel saw); same suffixes',
    defaultText: 'the rest of the file, or mmcpstore.sector_count from --params',
    parse: (v) => parseByteSize('size', v, { allowZero: false }),
  }),
  opt({
    key: 'region', long: 'region', arg: 'N', group: 'image', commands: BOTH,
    description: 'read only region N of a whole-disk image, numbered as detect lists them (without it, every region detect finds is read, each with its own bounds and parameters)',
    defaultText: 'every region', conflicts: ['offset', 'size', 'blkdev'], parse: (v) => parseCount('region', v, MAX_REGIONS),
  }),
  opt({
    key: 'kmsgSize', long: 'kmsg-size', arg: 'KB', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.kmsg_size: size of each dmesg zone in KiB (<= 0 disables)',
    default: BLK_DEFAULTS.kmsgSize, parse: (v) => parseKib('kmsg-size', v),
  }),
  opt({
    key: 'pmsgSize', long: 'pmsg-size', arg: 'KB', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.pmsg_size: size of the pmsg zone in KiB (<= 0 disables)',
    default: BLK_DEFAULTS.pmsgSize, defaultNote: 'off', parse: (v) => parseKib('pmsg-size', v),
  }),
  opt({
    key: 'consoleSize', long: 'console-size', arg: 'KB', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.console_size: size of the console zone in KiB (<= 0 disables)',
    default: BLK_DEFAULTS.consoleSize, defaultNote: 'off', parse: (v) => parseKib('console-size', v),
  }),
  opt({
    key: 'ftraceSize', long: 'ftrace-size', arg: 'KB', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.ftrace_size: total ftrace area in KiB, split over --cpus (<= 0 disables)',
    default: BLK_DEFAULTS.ftraceSize, defaultNote: 'off', parse: (v) => parseKib('ftrace-size', v),
  }),
  opt({
    key: 'maxReason', long: 'max-reason', arg: 'N|NAME', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.max_reason: highest kmsg_dump reason stored (1 panic, 2 oops, 3 emergency, 4 shutdown)',
    default: BLK_DEFAULTS.maxReason, defaultNote: 'oops', parse: parseMaxReason,
  }),
  opt({
    key: 'cpus', long: 'cpus', arg: 'N', group: 'params', commands: WITH_PARAMS,
    description: 'nr_cpu_ids of the kernel that wrote the image (ftrace zones are per CPU)',
    default: DEFAULT_NR_CPUS, parse: (v) => parseCount('cpus', v, 8192),
  }),
  opt({
    key: 'params', long: 'params', arg: 'STRING', group: 'params', commands: WITH_PARAMS,
    description: 'kernel command line or modprobe options, e.g. "pstore_blk.kmsg_size=64 pstore.compress=none"; explicit flags override it; "auto" infers the zone sizes from the signatures on disk',
    defaultText: 'auto when no zone size is given',
  }),
  opt({
    key: 'kernel', long: 'kernel', arg: 'VERSION', group: 'params', commands: WITH_PARAMS,
    description: 'kernel whose behaviour to follow (e.g. 6.12, 5.15)',
    defaultText: 'current mainline', parse: parseKernel,
  }),
  opt({
    key: 'compress', long: 'compress', arg: 'deflate|lz4|lz4hc|lzo|zstd|842|none', group: 'params', commands: WITH_PARAMS,
    description: 'pstore.compress of the kernel that wrote the image: writing compresses dmesg records with it (kernels before 6.6; 6.6+ know only deflate), reading decodes compressed records with it alone; not given (or none), reading tries deflate, then identifies the algorithm by trial',
    default: DEFAULT_COMPRESS, parse: choice('compress', COMPRESS_CHOICES),
  }),
  opt({
    key: 'arch', long: 'arch', arg: 'x86_64|arm64|arm|i386', group: 'params', commands: [...WITH_PARAMS, 'detect'],
    description: 'architecture of the kernel that wrote the image: 32-bit kernels (arm, i386) lay out the dmesg and ftrace records differently (detect: added to the inspect command lines it prints)',
    defaultText: 'detected from the record headers, else 64-bit', parse: choice('arch', ARCHES),
  }),
  opt({
    key: 'out', long: 'out', short: 'o', arg: 'DIR', group: 'output', commands: ['recover'],
    description: 'write one file per record into DIR, named and dated as /sys/fs/pstore shows them',
    conflicts: ['json'], parse: nonEmpty('out'),
  }),
  opt({
    key: 'layout', long: 'layout', arg: 'pstorefs|systemd', group: 'output', commands: ['recover'],
    description: 'with --out: pstorefs (the files of /sys/fs/pstore) or systemd (what systemd-pstore leaves in /var/lib/systemd/pstore: mode 0600 copies and dmesg.txt)',
    default: 'pstorefs', parse: choice('layout', OUT_LAYOUTS),
  }),
  opt({
    key: 'force', long: 'force', short: 'f', group: 'output', commands: ['recover'],
    description: 'with --out: replace the record files of an earlier run in a non-empty DIR',
  }),
  opt({
    key: 'salvage', long: 'salvage', group: 'output', commands: ['recover'],
    description: 'also recover what the kernel would drop (damaged, erased, truncated records), marked as salvaged; with --out under DIR/salvaged/',
  }),
  opt({
    key: 'type', long: 'type', arg: 'TYPE', group: 'output', commands: ['recover'],
    description: 'only records of this front end: dmesg (or kmsg), pmsg, console or ftrace',
    parse: parseType,
  }),
  opt({
    key: 'record', long: 'record', arg: 'NAME', group: 'output', commands: ['recover'],
    description: 'only the record with this pstorefs name, e.g. dmesg-pstore_blk-3 (repeatable)',
    repeatable: appendTo('record'),
  }),
  opt({
    key: 'format', long: 'format', arg: 'raw|logcat', group: 'output', commands: ['recover'],
    description: 'raw: the bytes as pstorefs shows them; logcat: decode Android pmsg entries to logcat -v threadtime lines (stdout only)',
    default: 'raw', parse: choice('format', ['raw', 'logcat'] as const), conflicts: ['out'],
  }),
  opt({
    key: 'symbols', long: 'symbols', arg: 'FILE', group: 'output', commands: ['recover'],
    description: 'System.map or a copy of /proc/kallsyms: ftrace addresses print as function+0xoff/0xsize',
    parse: nonEmpty('symbols'),
  }),
  opt({
    key: 'timeline', long: 'timeline', group: 'output', commands: ['recover'],
    description: 'one text for the crash: the newest dump, then console and pmsg lines in time order, each tagged with its zone',
    conflicts: ['out', 'json'],
  }),
  opt({
    key: 'explain', long: 'explain', group: 'output', commands: ['inspect'],
    description: 'explain, zone by zone, why it shows nothing or what is wrong, and kernel settings that explain an empty pstore',
  }),
  opt({
    key: 'out', long: 'out', short: 'o', arg: 'FILE', group: 'output', commands: ['report'],
    description: 'write the HTML report to FILE (replaced if it exists) instead of standard output',
    defaultText: 'standard output', parse: nonEmpty('out'),
  }),
  opt({
    key: 'fromPanic', long: 'from-panic', arg: 'FILE', group: 'output', commands: ['report'],
    description: 'the JSON of a `mmcpstore panic --json` run: the report adds the phase bar of its panic path',
    parse: nonEmpty('from-panic'),
  }),
  opt({
    key: 'json', long: 'json', group: 'output', commands: ALL,
    description: 'machine-readable output (inspect: one JSON object; recover: one JSON object per line)',
  }),
  opt({
    key: 'color', long: 'color', arg: '[WHEN]', group: 'general', commands: [...ALL, 'report'],
    description: 'colour: auto, always or never (auto honours NO_COLOR, FORCE_COLOR and the terminal)',
    default: 'auto', preset: 'always', parse: choice('color', ['auto', 'always', 'never'] as const),
  }),
  opt({
    key: 'quiet', long: 'quiet', short: 'q', group: 'general', commands: [...ALL, 'report'], conflicts: ['verbose'],
    description: 'no banners, summaries or warnings on stderr (errors are still printed)',
  }),
  opt({
    key: 'verbose', long: 'verbose', short: 'v', group: 'general', commands: [...ALL, 'report'],
    description: 'also print the kernel-style pstore_zone log lines, every zone, and (recover --out) each file written',
  }),
  opt({
    key: 'debug', long: 'debug', group: 'general', commands: [...ALL, 'report'],
    description: 'print stack traces with errors',
  }),
  // ---- the emulated board (src/commands/board-session.ts; docs/cli.md "The emulated board")
  opt({
    key: 'card', long: 'card', group: 'output', commands: ['inspect'],
    description: 'boot the emulated board read-only and show the card as the driver sees it: CID/CSD/EXT_CSD, hardware partitions, the partition table and which partition pstore would use',
  }),
  opt({
    key: 'blkdev', long: 'blkdev', arg: 'SPEC', group: 'params', commands: WITH_PARAMS,
    description: 'pstore_blk.blkdev: the card partition holding pstore, in any form the kernel takes (/dev/mmcblk0p6, mmcblk0p6, 179:6, b306, PARTUUID=..., PARTLABEL=...); inspect and recover then read through the emulated driver',
    defaultText: 'the partition labelled pstore', parse: nonEmpty('blkdev'),
  }),
  opt({
    key: 'trace', long: 'trace', arg: '[GLOB]', group: 'general', commands: ['inspect', 'recover', 'report', 'mkimage', ...BOOTS],
    description: 'print every device event (MMIO access, interrupt, SD command/response, ...) matching GLOB to stderr, one line each, stamped with virtual time',
    preset: '*', parse: nonEmpty('trace'),
  }),
  opt({
    key: 'driver', long: 'driver', arg: 'v3|v4|v5|proposed', group: 'params', commands: BOOTS,
    description: driverDescription(),
    default: DEFAULT_MMCPSTORE_VERSION, parse: parseDriver,
  }),
  opt({
    key: 'wait', long: 'wait', arg: 'SECONDS', group: 'general', commands: ['mkimage', ...BOOTS],
    description: 'when another process is writing the image, wait up to SECONDS for its lock instead of failing at once (exit 75 when the time runs out)',
    default: 0, parse: parseWaitSeconds,
  }),
  opt({
    key: 'seed', long: 'seed', arg: 'N', group: 'params', commands: ['mkimage', ...BOOTS],
    description: 'seed of everything random (GUIDs, boot log, device timing): the same command line gives the same image bytes',
    default: DEFAULT_SEED, parse: (v) => parseCount('seed', v, 0xffffffff),
  }),
  opt({
    key: 'cardSize', long: 'size', arg: 'BYTES', group: 'image', commands: ['mkimage'],
    description: 'capacity of the card\'s user area (a power of two such as 64M suits the kernel oracle); suffixes K, M, G, s',
    parse: (v) => parseByteSize('size', v, { allowZero: false }),
  }),
  opt({
    key: 'pstoreSize', long: 'pstore-size', arg: 'BYTES', group: 'image', commands: ['mkimage'],
    description: 'size of the pstore partition (a multiple of 4096)',
    default: MiB, defaultText: '1M', parse: (v) => parseByteSize('pstore-size', v, { allowZero: false }),
  }),
  opt({
    key: 'label', long: 'label', arg: 'NAME', group: 'image', commands: ['mkimage'],
    description: 'GPT name (PARTLABEL) of the pstore partition',
    default: 'pstore', parse: nonEmpty('label'),
  }),
  opt({
    key: 'cardLayout', long: 'layout', arg: 'user-area|qemu', group: 'image', commands: ['mkimage'],
    description: 'user-area: the file is the user area (dd if=/dev/mmcblk0); qemu: boot0|boot1|RPMB|user in one file, as QEMU\'s emmc device',
    default: 'user-area', parse: choice('layout', ['user-area', 'qemu'] as const),
  }),
  opt({
    key: 'force', long: 'force', short: 'f', group: 'output', commands: ['mkimage'],
    description: 'replace an existing image file',
  }),
  opt({
    key: 'message', long: 'message', short: 'm', arg: 'TEXT', group: 'general', commands: ['panic', 'oops'],
    description: 'the panic()/oops message',
    default: 'sysrq triggered crash', parse: nonEmpty('message'),
  }),
  opt({
    key: 'log', long: 'log', arg: 'FILE|-', group: 'general', commands: ['panic', 'oops'],
    description: 'more kernel log lines before the crash, one per line ("-": standard input; "<N>" prefixes set the level)',
    parse: nonEmpty('log'),
  }),
  opt({
    key: 'all', long: 'all', group: 'general', commands: ['erase'],
    description: 'erase every record',
  }),
  opt({
    key: 'inflight', long: 'inflight', group: 'general', commands: ['panic'],
    description: 'H1: a CMD23+CMD25 block-layer write is mid-transfer when panic strikes',
  }),
  opt({
    key: 'lockHeld', long: 'lock-held', arg: 'host|sdhci|claim', group: 'general', commands: ['panic'],
    description: 'H2: a stopped CPU holds mmc_host->lock, sdhci_host->lock, or the host claim',
    parse: choice('lock-held', ['host', 'sdhci', 'claim'] as const),
  }),
  opt({
    key: 'suspended', long: 'suspended', arg: 'host|card', group: 'general', commands: ['panic'],
    description: 'H3/H4: the host controller (SD clock off, interface clock gated: see --gated-mmio) or the card (needs --aggressive-pm: slept with CMD5 and powered off) is runtime-suspended',
    parse: choice('suspended', ['host', 'card'] as const),
  }),
  opt({
    key: 'aggressivePm', long: 'aggressive-pm', group: 'general', commands: BOOTS,
    description: 'the host driver sets MMC_CAP_AGGRESSIVE_PM: an idle card is runtime-suspended (cache flush, CMD7 deselect + CMD5 sleep, power off) and re-initialised on resume; without it mmc_runtime_suspend() does nothing',
  }),
  opt({
    key: 'busMode', long: 'bus-mode', arg: 'hs|hs200', group: 'general', commands: BOOTS,
    description: 'the board\'s bus mode: hs (52 MHz, no tuning) or hs200 (SDR104 controller, 1.8 V, 200 MHz, CMD21 tuning; re-tuning possible)',
    default: 'hs', parse: choice('bus-mode', ['hs', 'hs200'] as const),
  }),
  opt({
    key: 'gatedMmio', long: 'gated-mmio', arg: 'registers|all-ones|fault', group: 'general', commands: BOOTS,
    description: 'MMIO to a runtime-suspended host whose interface clock the SoC gates: registers (still reachable), all-ones (reads all-ones, writes lost) or fault (a synchronous external abort)',
    default: 'registers', parse: choice('gated-mmio', ['registers', 'all-ones', 'fault'] as const),
  }),
  opt({
    key: 'partition', long: 'partition', arg: 'boot0|boot1|rpmb', group: 'general', commands: ['panic'],
    description: 'H5: the card was left on another hardware partition',
    parse: choice('partition', ['boot0', 'boot1', 'rpmb'] as const),
  }),
  opt({
    key: 'cqe', long: 'cqe', group: 'general', commands: ['panic'],
    description: 'H6: the board runs with command queueing (a CQHCI engine, the card in CMDQ mode) and CPU1 has 4 write tasks queued at the panic',
  }),
  opt({
    key: 'cacheSize', long: 'cache-size', arg: 'BYTES', group: 'general', commands: ['panic'],
    description: "H9: the card has a volatile write cache of this size (a multiple of 1K, e.g. 1M), on from boot; what is not force-programmed or flushed is lost at the power cycle after the panic",
    parse: parseCacheSize,
  }),
  opt({
    key: 'withoutCmd23', long: 'without-cmd23', group: 'general', commands: ['panic'],
    description: 'H9: the host cannot send CMD23 (SDHCI_QUIRK2_HOST_NO_CMD23): no block count and no forced programming',
  }),
  opt({
    key: 'fault', long: 'fault', arg: 'SPEC', group: 'general', commands: ['panic'],
    description: 'H7-H9: a device fault armed just before the panic: data-crc[:B], cmd-timeout, busy:5ms|forever, power-loss:N, with [@cmdN[#k]][~p] (docs/device.md); repeatable',
    repeatable: appendTo('fault'),
  }),
  opt({
    key: 'retunePending', long: 'retune-pending', group: 'general', commands: ['panic'],
    description: 'H11: a re-tune is pending (needs --bus-mode hs200: only a host that tuned can re-tune)',
  }),
  opt({
    key: 'pmSuspendWindow', long: 'pm-suspend-window', group: 'general', commands: ['panic'],
    description: 'H10: panic between PM_SUSPEND_PREPARE and PM_POST_SUSPEND',
  }),
  opt({
    key: 'beforeMount', long: 'before-mount', group: 'general', commands: ['panic'],
    description: 'H12: panic before pstorefs was mounted (no recovery: the record goes to kmsg zone 0)',
  }),
  opt({
    key: 'resetMask', long: 'reset-mask', arg: 'cmd-data|all', group: 'general', commands: ['panic'],
    description: '§6 Q3: the software reset panic_prepare uses',
    default: 'cmd-data', parse: choice('reset-mask', ['cmd-data', 'all'] as const),
  }),
  opt({
    key: 'lockReinit', long: 'lock-reinit', arg: 'on|off', group: 'general', commands: ['panic'],
    description: '§6 Q5: panic_prepare re-initialises sdhci_host->lock',
    defaultText: 'on for proposed, off for v3, v4, v5', parse: choice('lock-reinit', ['on', 'off'] as const),
  }),
  opt({
    key: 'withoutPanicOps', long: 'without-panic-ops', group: 'general', commands: ['panic'],
    description: 'H7: the host driver has no panic ops',
  }),
] as const;
