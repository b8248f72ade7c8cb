/**
 * The MMIO boundary (docs/driver-stack.md): nothing in src/driver, src/reader or src/commands
 * imports from src/device anything but the board factory (board.ts, index.ts re-exports of it) and
 * the register definitions (sdhci-regs.ts) — the card, controller internals, backing, memory and
 * clock are reached only through what createBoard hands out. Type-only imports (`import type`) are
 * allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const deviceDir = join(root, 'src/device');
const ALLOWED = new Set(['board.ts', 'sdhci-regs.ts']);
/**
 * The board assembly's entry (src/driver/board/index.ts) plays QEMU's command line: it alone may
 * also export the image file (backing.ts: positional I/O and the writer lock) and the trace sink
 * (trace.ts) for the layers above. The rest of the driver may not.
 */
const BOARD_ENTRY = join(root, 'src/driver/board/index.ts');
const BOARD_ENTRY_ALLOWED = new Set([...ALLOWED, 'backing.ts', 'trace.ts']);

function* tsFiles(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (n.endsWith('.ts')) yield p;
  }
}

/** Every import/export-from specifier in a source (static, dynamic and type-only). */
export function importSpecifiers(src: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /(?:^|[\s;])(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of src.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec) out.push({ spec, typeOnly: !!m[2] });
  }
  return out;
}

function violations(dir: string): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(dir)) {
    const allowed = file === BOARD_ENTRY ? BOARD_ENTRY_ALLOWED : ALLOWED;
    for (const { spec, typeOnly } of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.') || typeOnly) continue; // type-only imports carry no runtime access
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const rel = relative(deviceDir, target);
      if (rel.startsWith('..')) continue; // not in src/device
      if (!allowed.has(rel)) bad.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return bad;
}

test('the import scanner sees static, type-only, re-export and dynamic imports', () => {
  const specs = importSpecifiers(
    `import { a } from './x.js';\nimport type { B } from "../y.js";\nexport * from './z.js';\nconst m = await import('./w.js');\nimport './side.js';`,
  );
  assert.deepEqual(specs.map((s) => s.spec), ['./x.js', '../y.js', './z.js', './w.js', './side.js']);
  assert.equal(specs[1]!.typeOnly, true);
});

test('src/driver, src/reader and src/commands reach the device only through board.ts and sdhci-regs.ts; the board entry may also export the image file and the trace sink', () => {
  const bad = [...violations(join(root, 'src/driver')), ...violations(join(root, 'src/reader')), ...violations(join(root, 'src/commands'))];
  assert.deepEqual(bad, []);
});

test('the MMC stack does use the device through the allowed modules', () => {
  const stackFiles = [...tsFiles(join(root, 'src/driver/sdhci')), ...tsFiles(join(root, 'src/driver/mmc'))];
  const specs = stackFiles.flatMap((f) => importSpecifiers(readFileSync(f, 'utf8')).map((s) => s.spec));
  assert.ok(specs.some((s) => s.endsWith('hw/sdhci-regs.js')));
  assert.ok(specs.some((s) => s.endsWith('device/board.js')));
});
