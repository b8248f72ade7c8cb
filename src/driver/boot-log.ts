/**
 * A realistic, seeded kernel boot log for an arm64 eMMC board: what fills
 * the printk ring before a dump when the user gives no log of their own.
 */
import { Prng } from '../lib/prng.js';
import type { PrintkRecord } from './printk-format.js';

const LOGLEVEL = { ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;

type LineMaker = (p: Prng) => [level: number, text: string];

const BOOT_LINES: readonly LineMaker[] = [
  () => [LOGLEVEL.NOTICE, 'Booting Linux on physical CPU 0x0000000000 [0x410fd034]'],
  () => [LOGLEVEL.NOTICE, 'Linux version 7.0.0-rc3 (builder@farm) (aarch64-linux-gnu-gcc (GCC) 14.2.0, GNU ld 2.43) #1 SMP PREEMPT'],
  () => [LOGLEVEL.INFO, 'Machine model: mmcpstore reference board (eMMC 5.1)'],
  () => [LOGLEVEL.INFO, 'efi: UEFI not found.'],
  () => [LOGLEVEL.INFO, 'Zone ranges:'],
  (p) => [LOGLEVEL.INFO, `  DMA      [mem 0x0000000040000000-0x00000000${(0x7f + p.int(0, 0x40)).toString(16)}ffffff]`],
  () => [LOGLEVEL.INFO, 'psci: probing for conduit method from DT.'],
  () => [LOGLEVEL.INFO, 'psci: PSCIv1.1 detected in firmware.'],
  (p) => [LOGLEVEL.INFO, `percpu: Embedded ${p.int(20, 40)} pages/cpu s${p.int(50000, 90000)} r8192 d${p.int(28000, 32000)} u${p.pick([98304, 131072])}`],
  () => [LOGLEVEL.NOTICE, 'Kernel command line: console=ttymxc0,115200 root=/dev/mmcblk0p7 rootwait pstore_blk.blkdev=/dev/mmcblk0p6 pstore_blk.kmsg_size=64'],
  (p) => [LOGLEVEL.INFO, `Memory: ${p.int(900000, 990000)}K/1048576K available (${p.int(14000, 18000)}K kernel code, ${p.int(2000, 4000)}K rwdata)`],
  () => [LOGLEVEL.INFO, 'rcu: Preemptible hierarchical RCU implementation.'],
  () => [LOGLEVEL.INFO, 'NR_IRQS: 64, nr_irqs: 64, preallocated irqs: 0'],
  () => [LOGLEVEL.INFO, 'GICv3: 960 SPIs implemented'],
  (p) => [LOGLEVEL.INFO, `arch_timer: cp15 timer(s) running at ${p.pick([8, 24, 25])}.00MHz (phys).`],
  (p) => [LOGLEVEL.INFO, `sched_clock: 56 bits at ${p.pick([8, 24, 25])}MHz, resolution 41ns, wraps every 4398046511097ns`],
  () => [LOGLEVEL.INFO, 'Console: colour dummy device 80x25'],
  (p) => [LOGLEVEL.INFO, `Calibrating delay loop (skipped), value calculated using timer frequency.. ${p.int(16, 50)}.00 BogoMIPS (lpj=${p.int(32000, 100000)})`],
  () => [LOGLEVEL.INFO, 'pid_max: default: 32768 minimum: 301'],
  () => [LOGLEVEL.INFO, 'smp: Bringing up secondary CPUs ...'],
  (p) => [LOGLEVEL.INFO, `CPU${p.int(1, 3)}: Booted secondary processor 0x000000000${p.int(1, 3)} [0x410fd034]`],
  () => [LOGLEVEL.INFO, 'smp: Brought up 1 node, 4 CPUs'],
  () => [LOGLEVEL.INFO, 'devtmpfs: initialized'],
  () => [LOGLEVEL.INFO, 'clocksource: jiffies: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: 7645041785100000 ns'],
  () => [LOGLEVEL.INFO, 'NET: Registered PF_NETLINK/PF_ROUTE protocol family'],
  () => [LOGLEVEL.INFO, 'sdhci: Secure Digital Host Controller Interface driver'],
  () => [LOGLEVEL.INFO, 'sdhci: Copyright(c) Pierre Ossman'],
  () => [LOGLEVEL.INFO, 'sdhci-pltfm: SDHCI platform and OF driver helper'],
  () => [LOGLEVEL.INFO, 'mmc0: SDHCI controller on 30b40000.mmc [30b40000.mmc] using ADMA'],
  () => [LOGLEVEL.INFO, 'mmc0: new HS200 MMC card at address 0001'],
  (p) => [LOGLEVEL.INFO, `mmcblk0: mmc0:0001 DG4016 ${p.pick(['14.7', '29.1', '58.2'])} GiB`],
  () => [LOGLEVEL.INFO, 'mmcblk0boot0: mmc0:0001 DG4016 4.00 MiB'],
  () => [LOGLEVEL.INFO, 'mmcblk0boot1: mmc0:0001 DG4016 4.00 MiB'],
  () => [LOGLEVEL.INFO, 'mmcblk0rpmb: mmc0:0001 DG4016 4.00 MiB, chardev (234:0)'],
  () => [LOGLEVEL.INFO, ' mmcblk0: p1 p2 p3 p4 p5 p6 p7'],
  () => [LOGLEVEL.INFO, 'pstore_zone: registered pstore_blk as backend for kmsg(Oops,panic_write)'],
  () => [LOGLEVEL.INFO, 'pstore: Using crash dump compression: deflate'],
  () => [LOGLEVEL.INFO, 'pstore: Registered pstore_blk as persistent store backend'],
  () => [LOGLEVEL.INFO, 'mmcpstore: attached mmcblk0p6 for pstore/blk (panic_write)'],
  (p) => [LOGLEVEL.INFO, `EXT4-fs (mmcblk0p7): mounted filesystem ${p.int(0x10000000, 0x7fffffff).toString(16)}-7a1c-4e8e-9d2f-2b6c1d0e4f3a ro with ordered data mode. Quota mode: none.`],
  () => [LOGLEVEL.INFO, 'VFS: Mounted root (ext4 filesystem) readonly on device 179:7.'],
  () => [LOGLEVEL.INFO, 'Freeing unused kernel memory: 9984K'],
  () => [LOGLEVEL.INFO, 'Run /sbin/init as init process'],
  () => [LOGLEVEL.INFO, 'systemd[1]: systemd 256 running in system mode'],
  (p) => [LOGLEVEL.WARNING, `random: crng init done after ${p.int(2, 9)} seconds`],
];

const RUNTIME_LINES: readonly LineMaker[] = [
  (p) => [LOGLEVEL.INFO, `fec 30be0000.ethernet eth0: Link is Up - ${p.pick(['100Mbps', '1Gbps'])}/Full - flow control rx/tx`],
  (p) => [LOGLEVEL.INFO, `usb 1-1: new high-speed USB device number ${p.int(2, 9)} using ci_hdrc`],
  (p) => [LOGLEVEL.WARNING, `cfg80211: failed to load regulatory.db (${p.pick([-2, -22])})`],
  (p) => [LOGLEVEL.INFO, `audit: type=1400 audit(${p.int(1700000000, 1800000000)}.${p.int(100, 999)}:${p.int(2, 400)}): apparmor="STATUS" operation="profile_load"`],
  (p) => [LOGLEVEL.NOTICE, `EXT4-fs (mmcblk0p${p.int(7, 8)}): re-mounted. Quota mode: none.`],
  (p) => [LOGLEVEL.ERR, `mmc0: Timeout waiting for hardware cmd interrupt (CMD${p.pick([13, 18, 25])})`],
  (p) => [LOGLEVEL.INFO, `watchdog: watchdog0: timeout ${p.pick([30, 60, 120])} sec (nowayout=0)`],
  (p) => [LOGLEVEL.DEBUG, `thermal thermal_zone0: temperature ${p.int(38000, 72000)} mC`],
];

/** Boot lines, then `runtimeLines` of the running system; time grows monotonically. */
export function generateBootLog(seed: number, runtimeLines = 120, startNsec = 0n): PrintkRecord[] {
  const p = new Prng(seed);
  const out: PrintkRecord[] = [];
  let ts = startNsec;
  const add = (make: LineMaker, gap: number): void => {
    ts += BigInt(gap);
    const [level, text] = make(p);
    out.push({ tsNsec: ts, level, facility: 0, text });
  };
  for (const make of BOOT_LINES) add(make, p.int(1_000, 40_000_000));
  for (let i = 0; i < runtimeLines; i++) add(p.pick(RUNTIME_LINES), p.int(5_000_000, 4_000_000_000));
  return out;
}
