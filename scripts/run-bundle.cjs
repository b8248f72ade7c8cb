// Runs the bundled CLI found in a bundle directory other than dist/bundle, with its code cache:
// `npm test` builds one from the current src/ (scripts/test.mjs), so each CLI a test starts is one
// file node loads, not src/ compiled by tsx again in every process (docs/performance.md).
// Usage: node scripts/run-bundle.cjs BUNDLE_DIR ARGS...
'use strict';
const { loadBundle } = require('../bin/load-bundle.js');

const [dir, ...args] = process.argv.slice(2);
loadBundle({ dir })
  .main(args)
  .then((status) => {
    process.exitCode = status;
  });
