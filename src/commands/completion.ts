/**
 * `mmcpstore completion bash|zsh`: a completion script generated from the
 * option table (options.ts) and the command list, so it never lags behind.
 */
import type { CommandSpec } from './command.js';
import type { Io } from './io.js';
import { optionsFor, type CliOptions, type CommandName, type OptionSpec } from './options.js';

/** Values an option's argument can take, when the table knows them. */
function valuesOf(o: OptionSpec): string[] | 'file' | 'dir' | null {
  if (o.arg === undefined) return null;
  if (o.arg === 'FILE') return 'file';
  if (o.arg === 'DIR') return 'dir';
  const m = /^\[?([a-z]+(?:\|[a-z]+)+)\]?$/.exec(o.arg);
  if (m) return m[1]!.split('|');
  if (o.long === 'color') return ['auto', 'always', 'never'];
  if (o.long === 'type') return ['dmesg', 'kmsg', 'pmsg', 'console', 'ftrace'];
  if (o.long === 'max-reason') return ['panic', 'oops', 'emergency', 'shutdown'];
  return null;
}

const flagWords = (o: OptionSpec): string[] => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])];

export function bashCompletion(names: readonly CommandName[]): string {
  const lines: string[] = [
    '# mmcpstore(1) bash completion; generated from the option table by `mmcpstore completion bash`.',
    '_mmcpstore() {',
    '  local cur prev cmd',
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  cmd="${COMP_WORDS[1]}"',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=( $(compgen -W "${names.join(' ')} --help --version" -- "$cur") )`,
    '    return',
    '  fi',
    '  case "$cmd" in',
  ];
  for (const name of names) {
    const specs = optionsFor(name);
    lines.push(`    ${name})`);
    lines.push('      case "$prev" in');
    for (const o of specs) {
      const v = valuesOf(o);
      if (v === null) continue;
      const pat = flagWords(o).join('|');
      if (v === 'file') lines.push(`        ${pat}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;`);
      else if (v === 'dir') lines.push(`        ${pat}) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;`);
      else lines.push(`        ${pat}) COMPREPLY=( $(compgen -W "${v.join(' ')}" -- "$cur") ); return ;;`);
    }
    const plain = specs.filter((o) => o.arg !== undefined && valuesOf(o) === null).flatMap(flagWords);
    if (plain.length) lines.push(`        ${plain.join('|')}) return ;;`);
    lines.push('      esac');
    const words = name === 'completion' ? ['bash', 'zsh'] : [...specs.flatMap(flagWords), '--help'];
    lines.push(`      COMPREPLY=( $(compgen -W "${words.join(' ')}" -- "$cur") ) ;;`);
  }
  lines.push('  esac', '}', 'complete -F _mmcpstore mmcpstore', '');
  return lines.join('\n');
}

function zshEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/:/g, '\\:');
}

export function zshCompletion(names: readonly CommandName[], summaries: Readonly<Record<string, string>>): string {
  const lines: string[] = [
    '#compdef mmcpstore',
    '# mmcpstore(1) zsh completion; generated from the option table by `mmcpstore completion zsh`.',
    '_mmcpstore() {',
    '  local -a commands',
    '  commands=(',
    ...names.map((n) => `    '${n}:${zshEscape(summaries[n] ?? n)}'`),
    '  )',
    '  if (( CURRENT == 2 )); then',
    "    _describe 'command' commands",
    '    return',
    '  fi',
    '  case "$words[2]" in',
  ];
  for (const name of names) {
    lines.push(`    ${name})`);
    if (name === 'completion') {
      lines.push("      _arguments '2:shell:(bash zsh)' ;;");
      continue;
    }
    const args = optionsFor(name).map((o) => {
      const desc = zshEscape(o.description.slice(0, 70));
      const v = valuesOf(o);
      const action = v === null ? (o.arg ? `:${o.arg}:` : '') : v === 'file' ? ':file:_files' : v === 'dir' ? ':directory:_files -/' : `:${o.arg}:(${v.join(' ')})`;
      const names = o.short ? `{-${o.short},--${o.long}}` : `--${o.long}`;
      const repeat = o.repeatable ? '*' : '';
      return `        ${repeat}${o.short && !repeat ? `'(-${o.short} --${o.long})'` : ''}${names}'[${desc}]${action}'`;
    });
    lines.push('      _arguments \\');
    lines.push(args.join(' \\\n') + ' ;;');
  }
  lines.push('  esac', '}', '_mmcpstore "$@"', '');
  return lines.join('\n');
}


export async function runCompletion(o: CliOptions, io: Io, commands: readonly Pick<CommandSpec, 'name' | 'summary'>[]): Promise<void> {
  const names = commands.map((c) => c.name);
  const summaries = Object.fromEntries(commands.map((c) => [c.name, c.summary]));
  await io.stdout.write(o.shell === 'zsh' ? zshCompletion(names, summaries) : bashCompletion(names));
}
