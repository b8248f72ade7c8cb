#!/usr/bin/env node
// Compiled entry point: `npm ci` builds dist/ through the `prepare` script, so
// start-up never compiles TypeScript.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered here, as commander would: loading the command tree is most of
  // the start-up cost, and scripts call --version often.
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(args);
}
