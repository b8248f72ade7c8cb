// Module hooks for the test processes of `npm test` (registered by scripts/test-loader.mjs):
// a `.js` import that names a TypeScript file resolves to the `.ts` file (as tsc's NodeNext
// resolution and tsx do), and a `.ts` file loads as the JavaScript esbuild made of it when
// scripts/test.mjs compiled the tree at the start of the run; a file that is not in that
// compiled tree is compiled here, alone. The module's URL stays the `.ts` file's, so
// `import.meta.url` paths are the checkout's. esbuild strips types only, as tsx does: tsc
// (`npm run typecheck`) is what checks them.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** { root, compiled }: the checkout, and where scripts/test.mjs put its compiled mirror (or undefined). */
let tree = { root: '', compiled: undefined };
/** esbuild, loaded only when a file outside the compiled tree is imported. */
let esbuild;

export function initialize(data) {
  tree = data;
}

const relative = (specifier) => specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('file:') || specifier.startsWith('/');

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && relative(specifier) && context.parentURL?.endsWith('.ts')) {
    const ts = new URL(`${specifier.slice(0, -'.js'.length)}.ts`, context.parentURL);
    if (existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  if (tree.compiled && file.startsWith(tree.root)) {
    const js = `${tree.compiled}${file.slice(tree.root.length, -'.ts'.length)}.js`;
    if (existsSync(js)) return { format: 'module', source: readFileSync(js), shortCircuit: true };
  }
  esbuild ??= await import('esbuild');
  const out = esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file });
  return { format: 'module', source: out.code, shortCircuit: true };
}
