// The package.json that `npm pack` ships (run as its prepack/postpack scripts): the checkout's
// without `scripts.prepare`. `prepare` builds dist/ when `npm ci` runs in a checkout; in a
// package installed from a tarball it never runs, yet npm lists it among the install scripts a
// user has to review (`npm warn install-scripts ... prepare: npm run build`). So `strip` keeps
// the checkout's file byte for byte beside it and writes the manifest without `prepare`; `restore`
// (postpack) puts the kept file back. A pack cut short leaves the copy, which the next `strip`
// restores first.
// Usage: node scripts/pack-manifest.mjs strip|restore
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const kept = new URL('../package.json.checkout', import.meta.url);
const staged = new URL('../package.json.packing', import.meta.url);

function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

function strip() {
  restore();
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts.prepare;
  writeFileSync(kept, text);
  // Renamed into place, so a concurrent reader of package.json sees one whole file or the other.
  writeFileSync(staged, `${JSON.stringify(pkg, null, 2)}\n`);
  renameSync(staged, manifest);
}

const step = { strip, restore }[process.argv[2] ?? ''];
if (!step) {
  process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
step();
