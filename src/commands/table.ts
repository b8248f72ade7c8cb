/**
 * Plain-text tables for terminals and pipes: widths from the plain text,
 * colour applied after padding so escape codes never shift a column.
 */

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface Cell {
  text: string;
  /** Wraps the padded text (a chalk function); identity when colour is off. */
  style?: (s: string) => string;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly (Cell | string)[])[], headerStyle: (s: string) => string = (s) => s): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths = columns.map((col, i) => Math.max(col.header.length, ...cells.map((r) => r[i]?.text.length ?? 0)));
  const pad = (text: string, i: number): string => {
    const w = widths[i]!;
    return columns[i]!.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const line = (parts: string[]): string => parts.join('  ').trimEnd();
  const out = [line(columns.map((c, i) => headerStyle(pad(c.header, i))))];
  for (const r of cells) {
    out.push(
      line(
        columns.map((_, i) => {
          const c = r[i] ?? { text: '' };
          // The last column is not padded, so lines carry no trailing blanks.
          const padded = i === columns.length - 1 && columns[i]!.align !== 'right' ? c.text : pad(c.text, i);
          return c.style ? c.style(padded) : padded;
        }),
      ),
    );
  }
  return out.join('\n') + '\n';
}
