/**
 * HTML built from tagged templates that escape every interpolated value: record text is
 * untrusted (a record holding `</script>` or `<img onerror=...>` must stay text), so nothing
 * reaches the page unescaped unless it is already `Html` made by `html` itself.
 */

/** Markup that is already safe: made by `html`, never from outside data. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** C0 controls other than tab, newline and carriage return: HTML has no text for them. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
/** U+2400 CONTROL PICTURES: U+2400 + c for a C0 control, U+2421 for DEL. */
const CONTROL_PICTURES = 0x2400;
const DEL = 0x7f;
const DEL_PICTURE = 0x2421;

/** Text (or an attribute value in quotes) as HTML; control bytes show as their control pictures. */
export function escapeHtml(s: string): string {
  return s
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch]!)
    .replace(CONTROL, (ch) => {
      const c = ch.charCodeAt(0);
      return String.fromCharCode(c === DEL ? DEL_PICTURE : CONTROL_PICTURES + c);
    });
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** `html\`<td>${text}</td>\``: the literal parts are markup, every value is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written in this program (the style sheet), never outside data. */
export function trusted(text: string): Html {
  return new Html(text);
}
