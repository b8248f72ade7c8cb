// The command line as shipped (docs/performance.md, "Start-up"): esbuild bundles src/cli.ts
// into one CommonJS file, dist/bundle/cli.cjs, which bin/load-bundle.js runs with a V8 code
// cache made here; the worker-pool thread is bundled apart, as an ES module (worker.js).
// An ES-module tree of ~70 files spends most of its start-up resolving, reading and compiling
// them; one file whose compiled code is cached starts in ~1.35x `node -e 0`.
// dist/ (tsc) stays the library entry.
// Usage: node scripts/bundle.mjs [--outdir DIR]   (DIR instead of dist/bundle: npm test's bundle)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const outdirArg = process.argv.indexOf('--outdir');
const outdir = outdirArg > 0 ? pathToFileURL(`${resolve(process.argv[outdirArg + 1])}/`) : new URL('dist/bundle/', root);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  define: { __MMCPSTORE_VERSION__: JSON.stringify(pkg.version) },
  // Whitespace and syntax only (names stay): every start reads and hashes the whole source
  // before V8 takes the code cache, and the source is a third smaller (1.21 -> 0.79 MB).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [new URL('src/cli.ts', root).pathname],
  outfile: new URL('cli.cjs', outdir).pathname,
  format: 'cjs',
  // bin/mmcpstore.js runs the file in a function that passes `import.meta` in (url: the file's URL).
  define: { ...common.define, 'import.meta': '__mmcpstoreImportMeta' },
});

await build({
  ...common,
  entryPoints: [new URL('src/commands/worker.ts', root).pathname],
  outfile: new URL('worker.js', outdir).pathname,
  format: 'esm',
  // commander is CommonJS: its require() of node: built-ins needs a real require in ESM output.
  banner: { js: "import { createRequire as __mmcpstoreRequire } from 'node:module'; const require = __mmcpstoreRequire(import.meta.url);" },
});

// The code cache: V8's compiled code for cli.cjs after typical runs (scripts/code-cache.mjs),
// made by this Node and named after it; bin/load-bundle.js reads it under that Node only.
const work = mkdtempSync(join(tmpdir(), 'mmcpstore-bundle-'));
try {
  const r = spawnSync(process.execPath, [new URL('scripts/code-cache.mjs', root).pathname, work, outdir.pathname], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`code-cache run exited ${r.status}: ${r.stderr}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
