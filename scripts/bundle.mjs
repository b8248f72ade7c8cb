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

/** A CommonJS module whose exports are `path`'s, each a getter that requires `path` on first read. */
async function lazyModule(path) {
  const names = Object.keys(await import(path)).filter((k) => k !== 'default');
  return `let m;const load=()=>m??=require(${JSON.stringify(path)});for(const k of ${JSON.stringify(names)})Object.defineProperty(exports,k,{enumerable:true,get:()=>load()[k]});`;
}
/**
 * Built-ins that only some commands call: the bundle requires each on first use of one of its
 * exports, not at load (node:child_process alone brings in net, dgram and the streams: ~10 ms of
 * every start, for commander's executable subcommands and the extent map, which reads never use).
 * Every importer reads the exports at call time (esbuild's bundled imports are property reads).
 */
const LAZY_BUILTINS = /^node:(child_process|worker_threads|os)$/;
const LAZY = 'mmcpstore-lazy-builtin';
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: LAZY_BUILTINS }, (a) => (a.namespace === LAZY ? { path: a.path, external: true } : { path: a.path, namespace: LAZY }));
    b.onLoad({ filter: /.*/, namespace: LAZY }, async (a) => ({ contents: await lazyModule(a.path), loader: 'js' }));
  },
};
/**
 * Packages only some reads call, initialised on first use of an export like the built-ins above:
 * pako (the write path's reference deflate, and forensics' partial inflate) builds its tables
 * when it loads, and fzstd (zstd records only) its own; the bundled copy is the same either way.
 */
const LAZY_PACKAGES = /^(pako|fzstd)$/;
const LAZY_PACKAGE = 'mmcpstore-lazy-package';
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: LAZY_PACKAGES }, async (a) => {
      if (a.pluginData?.real) return undefined;
      if (a.namespace !== LAZY_PACKAGE) return { path: a.path, namespace: LAZY_PACKAGE };
      // The module an import of the package resolves to (its ES build), as before, not its require() build.
      const real = await b.resolve(a.path, { kind: 'import-statement', resolveDir: a.resolveDir, pluginData: { real: true } });
      return { path: real.path };
    });
    b.onLoad({ filter: /.*/, namespace: LAZY_PACKAGE }, async (a) => ({ contents: await lazyModule(a.path), loader: 'js', resolveDir: new URL('.', root).pathname }));
  },
};
/**
 * One namespace object per built-in: esbuild gives each `import * as fs from 'node:fs'` its own
 * copy of the module's properties (a getter each: ~100 for node:fs, in ~20 modules), a few ms
 * and ~0.6 MB of garbage on every start. Through this module every importer shares one copy.
 */
const SHARED = 'mmcpstore-shared-builtin';
const sharedBuiltins = {
  name: 'shared-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => (a.namespace === SHARED || a.kind === 'require-call' ? { path: a.path, external: true } : { path: a.path, namespace: SHARED }));
    b.onLoad({ filter: /.*/, namespace: SHARED }, (a) => {
      const q = JSON.stringify(a.path);
      return { contents: `const m=require(${q});export default m;export * from ${q};`, loader: 'js' };
    });
  },
};
/**
 * chalk probes the terminal when it loads (node:tty, node:os, the environment) for its default
 * instance; mmcpstore makes every instance with an explicit level (src/commands/io.ts), so the
 * probe's answer is never read: it is replaced by "no colour", and tty loads only for a terminal.
 */
const chalkWithoutProbe = {
  name: 'chalk-without-probe',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (a) => ({ path: a.path, namespace: 'mmcpstore-no-probe' }));
    b.onLoad({ filter: /.*/, namespace: 'mmcpstore-no-probe' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};

/** cli.cjs is one function expression (bin/load-bundle.js calls it). */
const BUNDLE_HEAD = '(function (exports, require, module, __filename, __mmcpstoreImportMeta) {';
const BUNDLE_TAIL = '})';

const common = {
  bundle: true,
  plugins: [lazyBuiltins, sharedBuiltins, lazyPackages, chalkWithoutProbe],
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
  // bin/load-bundle.js runs the file as a function of what Node passes a CommonJS module, plus
  // the `import.meta` it was built to take (url: the file's URL). The file is that function
  // already: the loader hands V8 the text as read, with no second 0.9 MB copy to wrap it.
  define: { ...common.define, 'import.meta': '__mmcpstoreImportMeta' },
  banner: { js: BUNDLE_HEAD },
  footer: { js: BUNDLE_TAIL },
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
