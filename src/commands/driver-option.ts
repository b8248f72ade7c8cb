/** `--driver`: a version of mmcpstore (v3, v4, v5, proposed) or one of its older names (posted, fixed). */
// versions.ts, not the board's index: the option table is built on every start, and the index
// brings up the whole emulated board (a few ms of module initialisation) that reads never use.
import { MMCPSTORE_VERSIONS, MMCPSTORE_VERSION_ALIASES, VERSION_TRAITS, mmcpstoreVersion, type MmcpstoreVersion } from '../driver/mmcpstore/versions.js';
import { UsageError } from '../reader/errors.js';

export function parseDriver(text: string): MmcpstoreVersion {
  const v = mmcpstoreVersion(text);
  if (v === undefined) {
    const aliases = Object.entries(MMCPSTORE_VERSION_ALIASES).map(([a, to]) => `${a} (= ${to})`);
    throw new UsageError(`--driver: '${text}' is not one of ${[...MMCPSTORE_VERSIONS, ...aliases].join(', ')}`, { option: 'driver', value: text });
  }
  return v;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The version as the reports name it: "v5, posted 22 Apr 2026", "proposed, not posted: our corrections". */
export function driverLabel(v: MmcpstoreVersion): string {
  const t = VERSION_TRAITS[v];
  if (!t.posted || !t.date) return `${v}, not posted: our corrections`;
  const [y, m, d] = t.date.split('-').map(Number);
  return `${v}, posted ${d} ${MONTHS[m! - 1]} ${y}`;
}

/** `--driver`'s help, from the version table: the versions, their dates, the aliases. */
export function driverDescription(): string {
  const posted = MMCPSTORE_VERSIONS.filter((v) => VERSION_TRAITS[v].posted);
  const dates = posted.map((v) => driverLabel(v).replace(/^\S+, posted /, '')).join(', ');
  const others = MMCPSTORE_VERSIONS.filter((v) => !VERSION_TRAITS[v].posted);
  const aliases = Object.entries(MMCPSTORE_VERSION_ALIASES).map(([a, to]) => `${a} is an alias of ${to}`).join(', ');
  return `mmcpstore version: ${posted.join(', ')} as posted to LKML (${dates}), or ${others.join(', ')} (our corrections); ${aliases}`;
}
