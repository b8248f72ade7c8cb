/**
 * Kernel symbol tables for ftrace records: System.map and /proc/kallsyms
 * (`ffffffff81000000 T _stext`, kallsyms adds `\t[module]`). Addresses
 * resolve as %pS prints them: `function+0xoff/0xsize [module]`, the size
 * being the distance to the next symbol. Only text symbols (t, T, w, W) are
 * used; addresses past the last one, or all-zero addresses (kallsyms without
 * privileges), resolve to nothing.
 */
import { hex } from '../../lib/hex.js';
import type { SymbolLookup } from '../ftrace.js';

export interface KernelSymbol {
  addr: bigint;
  name: string;
  module?: string;
}

export class SymbolFileError extends Error {}

const TEXT_TYPES = new Set(['t', 'T', 'w', 'W']);

export function parseSymbolMap(text: string): KernelSymbol[] {
  const syms: KernelSymbol[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+([A-Za-z?])\s+(\S+)(?:\s+\[(\S+)\])?\s*$/.exec(line);
    if (!m) continue;
    lines++;
    if (!TEXT_TYPES.has(m[2]!)) continue;
    const addr = BigInt(`0x${m[1]}`);
    if (addr === 0n) continue;
    const s: KernelSymbol = { addr, name: m[3]! };
    if (m[4]) s.module = m[4];
    syms.push(s);
  }
  if (!lines) throw new SymbolFileError('no "address type name" lines: not a System.map or kallsyms file');
  syms.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  return syms;
}

/** A lookup for renderFtraceLog(): `name+0xoff/0xsize [module]`. */
export function symbolLookup(syms: readonly KernelSymbol[]): SymbolLookup {
  return (addr) => {
    let lo = 0;
    let hi = syms.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (syms[mid]!.addr <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // Aliases share an address: the first name listed is the one kallsyms prints.
    while (found > 0 && syms[found - 1]!.addr === syms[found]!.addr) found--;
    const s = syms[found]!;
    let next = found + 1;
    while (next < syms.length && syms[next]!.addr === s.addr) next++;
    if (next >= syms.length) return undefined;
    const size = syms[next]!.addr - s.addr;
    const off = addr - s.addr;
    return `${s.name}+${hex(off)}/${hex(size)}${s.module ? ` [${s.module}]` : ''}`;
  };
}
