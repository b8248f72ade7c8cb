/**
 * The allocated extents of a sparse image, so `detect` reads data and skips holes. Node 20's fs
 * has no lseek(), hence no SEEK_DATA/SEEK_HOLE; perl's sysseek passes any `whence` through to
 * lseek(2), and perl-base is part of every Debian/Ubuntu/Fedora base system. Where perl is
 * missing, the file system does not answer SEEK_DATA (lseek then treats the file as all data,
 * which costs nothing extra) or anything else goes wrong, the answer is null: read everything.
 */
import { spawnSync } from 'node:child_process';
import type { Stats } from 'node:fs';

/** [start, end) byte ranges holding data, in file order. */
export type Extents = readonly (readonly [number, number])[];

/** Below this, one spawn costs more than reading the holes. */
const MIN_SPARSE_SCAN = 256 << 20;
/** Linux's whence values (include/uapi/linux/fs.h). */
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
/** Extents beyond this many: fragmented enough that reading everything is as good. */
const MAX_EXTENTS = 100_000;

// Prints "start end" per data extent and exits 0; ENXIO from SEEK_DATA means no more data.
const SCRIPT = `
use Errno qw(ENXIO);
open(my $f, '<', $ARGV[0]) or exit 2;
my $pos = 0;
for (;;) {
  my $d = sysseek($f, $pos, ${SEEK_DATA});
  if (!defined $d) { exit($! == ENXIO ? 0 : 3); }
  my $h = sysseek($f, $d, ${SEEK_HOLE});
  exit 3 unless defined $h;
  print(($d + 0) . " " . ($h + 0) . "\\n");
  $pos = $h;
}
`;

/** st_blocks counts 512-byte units whatever the file system's block size (stat(2)). */
const ST_BLOCK_UNIT = 512;

/**
 * Whether a regular file can have holes at all: one with as many blocks allocated as its size
 * has none, and asking perl for its extents would only cost a process start (a fully written
 * 1 GiB dump: ~0.1 s of `detect`'s time).
 */
export function mayHaveHoles(st: Pick<Stats, 'blocks' | 'size'>): boolean {
  return st.blocks * ST_BLOCK_UNIT < st.size;
}

/** Data extents of the regular file at `path` of `size` bytes, or null to read all of it. */
export function dataExtents(path: string, size: number): Extents | null {
  if (size < MIN_SPARSE_SCAN) return null;
  const r = spawnSync('perl', ['-e', SCRIPT, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
  if (r.status !== 0 || r.error) return null;
  const out: [number, number][] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [a, b] = line.split(' ').map(Number);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a! >= b! || a! < (out.at(-1)?.[1] ?? 0) || b! > size) return null;
    out.push([a!, b!]);
    if (out.length > MAX_EXTENTS) return null;
  }
  return out;
}
