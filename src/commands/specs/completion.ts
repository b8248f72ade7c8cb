/**
 * `mmcpstore completion`: its help and examples; the work is in ../completion.ts, loaded when the
 * command runs. The script lists every command: the list (../index.ts) is handed in, not imported.
 */
import type { CommandSpec } from '../command.js';

export const completionCommand = (commands: () => readonly CommandSpec[]): CommandSpec => ({
  name: 'completion',
  summary: 'print a shell completion script (bash or zsh)',
  description: 'Prints a completion script for bash or zsh, generated from the same option table as --help and the man page.',
  examples: [
    ['mmcpstore completion bash > /etc/bash_completion.d/mmcpstore', 'install for bash'],
    ['mmcpstore completion zsh > "${fpath[1]}/_mmcpstore"', 'install for zsh'],
    ['mmcpstore completion bash >> ~/.bash_completion', 'install for the current user'],
  ],
  argument: { name: 'shell', key: 'shell', choices: ['bash', 'zsh'], description: 'bash or zsh' },
  run: async (o, io) => (await import('../completion.js')).runCompletion(o, io, commands()),
});
