// Loads the bundled CLI (dist/bundle/cli.cjs, built by scripts/bundle.mjs) with V8's code
// cache for it: the file is run in a function as Node wraps a CommonJS module, plus the
// `import.meta` the bundle was built to take. A cache V8 rejects (another Node build, other
// flags) only costs the compile it would have saved.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'cli.cjs');
const CODE_CACHE = join(__dirname, '..', 'dist', 'bundle', 'cli.cache');

/** { main, cacheRejected, createCachedData }; `useCache: false` compiles from source (to write the cache). */
function loadBundle({ useCache = true } = {}) {
  const source = `(function (exports, require, module, __filename, __mmcpstoreImportMeta) {${readFileSync(BUNDLE, 'utf8')}\n})`;
  const cachedData = useCache && existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, createRequire(BUNDLE), cli, BUNDLE, { url: pathToFileURL(BUNDLE).href });
  return {
    main: cli.exports.main,
    cacheRejected: cachedData === undefined ? null : script.cachedDataRejected === true,
    createCachedData: () => script.createCachedData(),
  };
}

module.exports = { loadBundle };
