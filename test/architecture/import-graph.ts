/**
 * The import graph of src/: one node per .ts file (paths relative to src/, '/'-separated), one
 * edge per import that names another file of src/, and its strongly connected components
 * (Tarjan), i.e. the import cycles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanImports, type ImportRef } from './import-scan.js';

export interface Edge {
  from: string;
  to: string;
  ref: ImportRef;
}

/** An import of a relative path that is no file of src/, or of a module computed at run time. */
export interface Unresolved {
  from: string;
  ref: ImportRef;
}

export interface ImportGraph {
  /** file → its source text */
  files: Map<string, string>;
  edges: Map<string, Edge[]>;
  unresolved: Unresolved[];
}

function* tsFiles(dir: string, root: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p, root);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield path.relative(root, p).split(path.sep).join('/');
  }
}

/** The file of `files` that `spec` (relative, as written in `from`) names, as NodeNext resolves it. */
export function resolveSpec(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => files.has(c));
}

export function buildImportGraph(srcDir: string): ImportGraph {
  const files = new Map<string, string>();
  for (const f of [...tsFiles(srcDir, srcDir)].sort()) files.set(f, readFileSync(path.join(srcDir, f), 'utf8'));
  const names = new Set(files.keys());
  const edges = new Map<string, Edge[]>();
  const unresolved: Unresolved[] = [];
  for (const [from, text] of files) {
    const out: Edge[] = [];
    for (const ref of scanImports(text, from)) {
      if (ref.spec === undefined) unresolved.push({ from, ref });
      else if (ref.spec.startsWith('.')) {
        const to = resolveSpec(from, ref.spec, names);
        if (to === undefined) unresolved.push({ from, ref });
        else if (to !== from) out.push({ from, to, ref });
      }
      // bare specifiers (node:fs, packages) are outside the graph
    }
    edges.set(from, out);
  }
  return { files, edges, unresolved };
}

/** Strongly connected components with more than one file (Tarjan), each sorted, in file order. */
export function importCycles(edges: ReadonlyMap<string, readonly Edge[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const strongConnect = (v: string): void => {
    index.set(v, next);
    lowLink.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const { to: w } of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        lowLink.set(v, Math.min(lowLink.get(v)!, lowLink.get(w)!));
      } else if (onStack.has(w)) {
        lowLink.set(v, Math.min(lowLink.get(v)!, index.get(w)!));
      }
    }
    if (lowLink.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) strongConnect(v);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One shortest cycle through the first file of a component, as the chain of imports (breadth first). */
export function exampleCycle(component: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>): Edge[] {
  const members = new Set(component);
  const start = component[0]!;
  const via = new Map<string, Edge>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const e of edges.get(queue[i]!) ?? []) {
      if (!members.has(e.to) || via.has(e.to)) continue;
      via.set(e.to, e);
      if (e.to === start) {
        const chain: Edge[] = [];
        for (let at: Edge | undefined = e; at; at = at.from === start ? undefined : via.get(at.from)) chain.unshift(at);
        return chain;
      }
      queue.push(e.to);
    }
  }
  return [];
}

/** Lines of a source; a last line without its newline counts too. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}
