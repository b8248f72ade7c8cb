#!/usr/bin/env node
// Compiled entry point: `npm ci` builds dist/ through the `prepare` script, so
// start-up never compiles TypeScript.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
