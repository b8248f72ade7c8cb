#!/usr/bin/env node
// The entry point, CommonJS (bin/package.json) so that start-up never brings up the ES-module
// loader. `npm ci` builds dist/bundle/ through the `prepare` script (scripts/bundle.mjs): the
// whole CLI in one CommonJS file plus V8's compiled code for it, so start-up neither compiles
// TypeScript nor resolves, reads and compiles seventy modules (docs/performance.md).
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered here, as commander would: scripts call --version often.
  const { readFileSync } = require('node:fs');
  const pkg = JSON.parse(readFileSync(require('node:path').join(__dirname, '..', 'package.json'), 'utf8'));
  try {
    require('node:fs').writeSync(1, `${pkg.version}\n`);
  } catch (e) {
    // a closed pipe (| true) is no failure; a full disk is EX_IOERR, as for every command's output
    if (e.code !== 'EPIPE') {
      // "ENOSPC: no space left on device, write" → "No space left on device", as strerror(3) words it
      const text = String(e.message).replace(/^[A-Z]+: /, '').replace(/, \w+$/, '');
      process.stderr.write(`mmcpstore: cannot write to standard output: ${text.charAt(0).toUpperCase()}${text.slice(1)}\n`);
      process.exitCode = 74;
    }
  }
} else {
  const { loadBundle } = require('./load-bundle.js');
  loadBundle()
    .main(args)
    .then((status) => {
      process.exitCode = status;
    });
}
