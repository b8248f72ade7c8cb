/**
 * The layers of src/ and what each may import (docs/architecture.md, "Layer rules"). Imports go
 * downward only: cli → commands → reader → driver → zone / device → hw → lib. A layer may always
 * import its own files; nothing here is an exception list.
 */
import type { Edge } from './import-graph.js';

export type Layer = 'cli' | 'commands' | 'api' | 'reader' | 'driver' | 'zone' | 'device' | 'hw' | 'lib';

/** The layer of a file (path relative to src/), or undefined for a file outside every layer. */
export function layerOf(file: string): Layer | undefined {
  if (file === 'cli.ts') return 'cli';
  if (file === 'index.ts') return 'api';
  const top = file.split('/')[0];
  switch (top) {
    case 'commands':
    case 'reader':
    case 'driver':
    case 'zone':
    case 'device':
    case 'hw':
    case 'lib':
      return top;
    default:
      return undefined;
  }
}

export interface LayerRule {
  layer: Layer;
  /** the test's name, and the rule's name in docs/architecture.md */
  name: string;
  /** layers it may import besides its own */
  may: readonly Layer[];
  /** an import into a layer not in `may` that the rule still allows, with the reason in `name` */
  alsoAllowed?: (edge: Edge) => boolean;
}

/** The MMIO boundary (docs/driver-stack.md): the board factory, and `import type` of any device module. */
const DEVICE_BOARD = 'device/board.ts';
function driverReachesDevice(edge: Edge): boolean {
  return layerOf(edge.to) === 'device' && (edge.to === DEVICE_BOARD || edge.ref.typeOnly);
}

export const LAYER_RULES: readonly LayerRule[] = [
  { layer: 'cli', name: 'src/cli.ts imports commands, reader, driver, zone, hw and lib; never device', may: ['commands', 'reader', 'driver', 'zone', 'hw', 'lib'] },
  { layer: 'commands', name: 'src/commands/** imports reader, driver, zone, hw and lib; never device or cli.ts', may: ['reader', 'driver', 'zone', 'hw', 'lib'] },
  { layer: 'api', name: 'src/index.ts (library API) imports reader, driver, zone, hw and lib; never commands or cli.ts', may: ['reader', 'driver', 'zone', 'hw', 'lib'] },
  { layer: 'reader', name: 'src/reader/** imports driver, zone, hw and lib; never commands', may: ['driver', 'zone', 'hw', 'lib'] },
  {
    layer: 'driver',
    name: 'src/driver/** imports zone, hw and lib; of src/device/ only board.ts (and `import type` of any device module)',
    may: ['zone', 'hw', 'lib'],
    alsoAllowed: driverReachesDevice,
  },
  { layer: 'zone', name: 'src/zone/** imports lib only (it knows no MMC, no hardware and no CLI)', may: ['lib'] },
  { layer: 'device', name: 'src/device/** imports hw and lib only', may: ['hw', 'lib'] },
  { layer: 'hw', name: 'src/hw/** imports hw and lib only', may: ['lib'] },
  { layer: 'lib', name: 'src/lib/** imports nothing of src/ outside lib', may: [] },
];

/** The imports of `edges` that break `rule`, one line each: file:line, rule, target and kind. */
export function ruleViolations(rule: LayerRule, edges: Iterable<Edge>): string[] {
  const bad: string[] = [];
  for (const e of edges) {
    if (layerOf(e.from) !== rule.layer) continue;
    const target = layerOf(e.to);
    if (target === rule.layer || (target !== undefined && rule.may.includes(target)) || rule.alsoAllowed?.(e)) continue;
    const kind = `${e.ref.typeOnly ? 'type-only ' : ''}${e.ref.kind}`;
    bad.push(`src/${e.from}:${e.ref.line} imports src/${e.to} (${target ?? 'no layer'}; ${kind} import '${e.ref.spec}'), against "${rule.name}"`);
  }
  return bad;
}
