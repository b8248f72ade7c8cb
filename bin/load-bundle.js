// Loads the bundled CLI (dist/bundle/cli.cjs, built by scripts/bundle.mjs) with V8's code
// cache for it: the file is one function expression, called with what Node passes a CommonJS
// module plus the `import.meta` the bundle was built to take.
// V8 takes a code cache only from the V8 build and flags that made it, and finds out only after
// the whole file (~0.8 MB) is read. So the cache file is named after the Node that made it
// (version, V8, architecture): any other Node (one upgraded after the install, a tarball packed
// on another) does not even open it and compiles the source, as it would with no cache. A cache
// V8 still rejects (other flags, a damaged file) likewise only costs the compile it would have
// saved: the output is the same and nothing is printed.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

/** Where `npm run build` puts the bundle; scripts/bundle.mjs --outdir builds one elsewhere (npm test's). */
const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');
/** The code cache this Node can take in bundle directory `dir`: written by scripts/code-cache.mjs, run by the same Node. */
const codeCachePath = (dir) => join(dir, `cli-${process.version}-v8-${process.versions.v8}-${process.arch}.cache`);
const CODE_CACHE = codeCachePath(BUNDLE_DIR);

/**
 * { main, cacheRejected, createCachedData }; `useCache: false` compiles from source (to write the cache);
 * `dir`: a bundle directory other than dist/bundle.
 */
function loadBundle({ useCache = true, dir = BUNDLE_DIR } = {}) {
  const bundle = join(dir, 'cli.cjs');
  const cacheFile = codeCachePath(dir);
  // The file is one function expression (scripts/bundle.mjs): compiled as read, not copied to wrap it.
  const source = readFileSync(bundle, 'utf8');
  const cachedData = useCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(source, { filename: bundle, cachedData });
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, createRequire(bundle), cli, bundle, { url: pathToFileURL(bundle).href });
  return {
    main: cli.exports.main,
    /** null: no cache for this Node was there; true: V8 refused the one there. */
    cacheRejected: cachedData === undefined ? null : script.cachedDataRejected === true,
    createCachedData: () => script.createCachedData(),
  };
}

module.exports = { CODE_CACHE, codeCachePath, loadBundle };
