import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracer, eventsMatching, TRACE_EVENTS } from '../../src/device/trace.js';
import * as R from '../../src/hw/sdhci-regs.js';
import { cmd, initCard, makeBoard, powerUp } from './host.js';

test('globs enable families of events', () => {
  const sdhci = eventsMatching('sdhci_*');
  assert.ok(sdhci.has('sdhci_irq') && !sdhci.has('sdcard_state'));
  assert.equal(eventsMatching('*').size, TRACE_EVENTS.length);
  assert.deepEqual([...eventsMatching('sdcard_state, fault_*')].sort(), ['fault_inject', 'sdcard_state']);
  assert.equal(eventsMatching('').size, 0);
});

test('trace lines carry virtual time, register names and card states by name', () => {
  const lines: string[] = [];
  const tracer = new Tracer({ enable: 'sdhci_access_write,sdcard_state,sdhci_send_command,sdhci_irq', sink: (l) => lines.push(l) });
  const { board } = makeBoard({ trace: tracer });
  powerUp(board);
  initCard(board);
  cmd(board, 13, 1 << 16, 'r1');
  assert.ok(lines.some((l) => /sdhci_access_write COMMAND -> 0x0d1a \(16-bit\)/.test(l)));
  assert.ok(lines.some((l) => /sdcard_state stby -> tran/.test(l)));
  assert.ok(lines.some((l) => /sdhci_send_command CMD07 ARG\[0x00010000\]/.test(l)));
  assert.ok(lines.some((l) => /sdhci_irq raise/.test(l)));
  const stamp = /^\[\s*([\d.]+) ms\]/.exec(lines.at(-1)!);
  assert.ok(stamp && Number(stamp[1]) > 0, 'stamped with virtual time');
  assert.ok(!lines.some((l) => l.includes('sdhci_access_read')), 'disabled events are not written');
});

test('fault injections are traced when fault_* is enabled', () => {
  const lines: string[] = [];
  const { board } = makeBoard({ faults: 'cmd-timeout@cmd13', trace: new Tracer({ enable: 'fault_*', sink: (l) => lines.push(l) }) });
  powerUp(board);
  initCard(board);
  assert.equal(cmd(board, 13, 1 << 16, 'r1').error, R.EIS.CMD_TIMEOUT.mask);
  assert.ok(lines.some((l) => /fault_inject cmd-timeout/.test(l)), lines.join('\n'));
});

test('a tracer enabled after it was built is no longer silent and formats the responses it traces', () => {
  const lines: string[] = [];
  const tracer = new Tracer({ sink: (l) => lines.push(l) });
  const { board } = makeBoard({ trace: tracer });
  powerUp(board);
  initCard(board);
  assert.equal(tracer.silent, true);
  assert.equal(lines.length, 0, 'a silent tracer writes nothing');
  tracer.enable('sdcard_response');
  assert.equal(tracer.silent, false);
  cmd(board, 13, 1 << 16, 'r1');
  assert.ok(lines.some((l) => /sdcard_response r1 0x00000900/.test(l)), lines.join('\n'));
});
