// Loads the bundled CLI (dist/bundle/cli.cjs, built by scripts/bundle.mjs) with V8's code
// cache for it: the file is run in a function as Node wraps a CommonJS module, plus the
// `import.meta` the bundle was built to take. A cache V8 rejects (another Node build, other
// flags) only costs the compile it would have saved.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const BUNDLE = new URL('../dist/bundle/cli.cjs', import.meta.url);
export const CODE_CACHE = new URL('../dist/bundle/cli.cache', import.meta.url);

/** { main, cacheRejected, createCachedData }; `useCache: false` compiles from source (to write the cache). */
export function loadBundle({ useCache = true } = {}) {
  const filename = fileURLToPath(BUNDLE);
  const source = `(function (exports, require, module, __filename, __mmcpstoreImportMeta) {${readFileSync(BUNDLE, 'utf8')}\n})`;
  const cachedData = useCache && existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  const script = new vm.Script(source, { filename, cachedData });
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, createRequire(BUNDLE), cli, filename, { url: BUNDLE.href });
  return {
    main: cli.exports.main,
    cacheRejected: cachedData === undefined ? null : script.cachedDataRejected === true,
    createCachedData: () => script.createCachedData(),
  };
}
