#!/usr/bin/env node
// The entry point. `npm ci` builds dist/bundle/ through the `prepare` script
// (scripts/bundle.mjs): the whole CLI in one CommonJS file plus V8's compiled
// code for it, so start-up neither compiles TypeScript nor resolves, reads and
// compiles seventy modules (docs/performance.md).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered here, as commander would: scripts call --version often.
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { loadBundle } = await import('./load-bundle.js');
  process.exitCode = await loadBundle().main(args);
}
