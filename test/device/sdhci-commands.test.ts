import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { R1, r1State, r1Flags, OCR } from '../../src/device/emmc/status.js';
import { EXT_CSD, EXT_CSD_CARD_TYPE_HS200_1_8V, EXT_CSD_REV_5_1 } from '../../src/hw/ext-csd.js';
import { getBits } from '../../src/device/emmc/registers.js';
import { cmd, dataCmd, initCard, makeBoard, pioRead, powerUp, RCA, tmValue, waitTransfer } from './host.js';

test('the eMMC init sequence walks idle → ready → ident → stby → tran with the right responses', () => {
  const { board } = makeBoard({ size: 1024 * 1024 });
  powerUp(board, 250);
  const states: string[] = [];
  // Linux's SD/SDIO probes first: CMD52, CMD8 (IF_COND), CMD5, CMD55 get no response in idle
  for (const [i, arg, resp] of [[52, 0xc00, 'r1'], [8, 0x1aa, 'r1'], [5, 0, 'r3'], [55, 0, 'r1']] as const) {
    const r = cmd(board, i, arg, resp);
    assert.equal(r.error & R.EIS.CMD_TIMEOUT.mask, R.EIS.CMD_TIMEOUT.mask, `CMD${i} times out`);
    assert.equal(r.status & R.NIS.CMD_COMPLETE.mask, 0, `no Command Complete with the timeout for CMD${i}`);
    board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  }
  cmd(board, 0, 0, 'none');
  states.push(board.card.state);
  // the first two CMD1s answer busy (power-up in progress), byte mode for a 1 MiB part
  const first = cmd(board, 1, 0, 'r3').resp[0]!;
  assert.equal(first, 0x00ff8080);
  const second = cmd(board, 1, 0x40300000, 'r3').resp[0]!;
  assert.equal(second & OCR.POWER_UP_DONE.mask, 0);
  const third = cmd(board, 1, 0x40300000, 'r3').resp[0]!;
  assert.equal(third, 0x80ff8080);
  states.push(board.card.state);
  const cid = cmd(board, 2, 0, 'r2').resp;
  states.push(board.card.state);
  // R2 as SDHCI stores it: RESPONSE3 bits 23:0 = CID bits 127:104 (MID in 23:16)
  assert.equal((cid[3]! >>> 16) & 0xff, board.card.cid[0]);
  assert.equal(cid[3]! >>> 24, 0);
  assert.equal(cid[0], ((board.card.cid[11]! << 24) | (board.card.cid[12]! << 16) | (board.card.cid[13]! << 8) | board.card.cid[14]!) >>> 0);
  const r3 = cmd(board, 3, RCA << 16, 'r1').resp[0]!;
  assert.equal(r1State(r3), 'ident', 'CURRENT_STATE is the state the command was received in');
  states.push(board.card.state);
  const csd = cmd(board, 9, RCA << 16, 'r2').resp;
  assert.equal(csd[3]! >>> 22, 3, 'CSD_STRUCTURE 3 at bits 127:126');
  const r7 = cmd(board, 7, RCA << 16, 'r1').resp[0]!;
  assert.equal(r1State(r7), 'stby');
  states.push(board.card.state);
  assert.deepEqual(states, ['idle', 'ready', 'ident', 'stby', 'tran']);
  const st = cmd(board, 13, RCA << 16, 'r1').resp[0]!;
  assert.equal(r1State(st), 'tran');
  assert.ok(st & R1.READY_FOR_DATA.mask);
});

test('an illegal command gets no response and the next response reports ILLEGAL_COMMAND once', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  cmd(board, 13, RCA << 16, 'r1'); // clears leftovers from init
  const r = cmd(board, 2, 0, 'r2'); // ALL_SEND_CID is illegal in tran
  assert.ok(r.error & R.EIS.CMD_TIMEOUT.mask);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask);
  const s1 = cmd(board, 13, RCA << 16, 'r1').resp[0]!;
  assert.deepEqual(r1Flags(s1).filter((f) => f !== 'READY_FOR_DATA'), ['ILLEGAL_COMMAND']);
  const s2 = cmd(board, 13, RCA << 16, 'r1').resp[0]!;
  assert.equal(s2 & R1.ILLEGAL_COMMAND.mask, 0, 'clear on read');
});

test('a command to another RCA is not answered and sets no error', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  const r = cmd(board, 13, 2 << 16, 'r1');
  assert.ok(r.error & R.EIS.CMD_TIMEOUT.mask);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask);
  assert.equal(cmd(board, 13, RCA << 16, 'r1').resp[0]! & R1.ILLEGAL_COMMAND.mask, 0);
});

test('a read beyond the end of the user area answers OUT_OF_RANGE and starts no data', () => {
  const { board } = makeBoard({ size: 64 * 1024 });
  powerUp(board);
  initCard(board);
  dataCmd(board, 17, 64 * 1024, 1, tmValue({ read: true })); // byte address one past the end
  board.clock.advance(1e6);
  const resp = board.mmio.readl(R.RESPONSE0.offset);
  assert.ok(resp & R1.OUT_OF_RANGE.mask);
  assert.equal(board.card.state, 'tran');
  // the controller then waits for data that never comes: Data Timeout
  board.clock.advance(200e9);
  assert.ok(board.mmio.readw(R.ERROR_INT_STATUS.offset) & R.EIS.DATA_TIMEOUT.mask);
});

test('CMD16 beyond 512 bytes is BLOCK_LEN_ERROR, and a short block length forbids writes in byte mode', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  const r = cmd(board, 16, 1024, 'r1').resp[0]!;
  assert.ok(r & R1.BLOCK_LEN_ERROR.mask);
  assert.equal(cmd(board, 16, 256, 'r1').resp[0]! & R1.BLOCK_LEN_ERROR.mask, 0);
  dataCmd(board, 24, 0, 1, tmValue({ read: false }));
  board.clock.advance(1e6);
  assert.ok(board.mmio.readl(R.RESPONSE0.offset) & R1.BLOCK_LEN_ERROR.mask);
  assert.equal(board.card.state, 'tran');
});

test('CMD8 returns a 512-byte EXT_CSD consistent with the image', () => {
  const { board } = makeBoard({ size: 2 * 1024 * 1024 });
  powerUp(board);
  initCard(board);
  dataCmd(board, 8, 0, 1, tmValue({ read: true }));
  const ext = pioRead(board, 1);
  const st = waitTransfer(board);
  assert.ok(st & R.NIS.TRANSFER_COMPLETE.mask);
  const sec = ext[212]! | (ext[213]! << 8) | (ext[214]! << 16) | (ext[215]! << 24);
  assert.equal(sec, (2 * 1024 * 1024) / 512);
  assert.equal(ext[EXT_CSD.REV], EXT_CSD_REV_5_1);
  assert.ok(ext[EXT_CSD.CARD_TYPE]! & EXT_CSD_CARD_TYPE_HS200_1_8V);
  assert.equal(ext[EXT_CSD.BOOT_MULT], (4 * 1024 * 1024) / (128 * 1024));
  assert.equal(ext[EXT_CSD.RPMB_MULT], 4);
  assert.equal(board.card.state, 'tran');
});

test('CMD6 SWITCH is R1b: DAT0 stays low for the modelled busy and Transfer Complete ends it', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  board.mmio.writel(R.ARGUMENT.offset, 0x03b90100); // HS_TIMING = 1
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(6, 'r1b'));
  const t0 = board.clock.now;
  board.clock.pollUntil(() => (board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.CMD_COMPLETE.mask) !== 0, 1e6, 100);
  const ps = board.mmio.readl(R.PRESENT_STATE.offset);
  assert.equal(ps & R.PS.DAT0_LEVEL.mask, 0, 'DAT0 low while switching');
  assert.ok(ps & R.PS.DAT_INHIBIT.mask);
  assert.equal(board.card.state, 'prg');
  board.clock.pollUntil(() => (board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.TRANSFER_COMPLETE.mask) !== 0, 10e6, 1000);
  const took = board.clock.now - t0;
  assert.ok(took >= 500_000 && took < 520_000, `busy ${took} ns ≈ 500 µs switch time`);
  assert.ok(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.DAT0_LEVEL.mask);
  assert.equal(board.card.extCsd[EXT_CSD.HS_TIMING], 1);
  assert.equal(board.card.state, 'tran');
});

test('CMD6 to a properties byte or with a bad value reports SWITCH_ERROR in the next CMD13 and changes nothing', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  const r = cmd(board, 6, 0x03c00500, 'r1b'); // EXT_CSD_REV (192) is read-only
  assert.equal(r.resp[0]! & R1.SWITCH_ERROR.mask, 0, 'not in the CMD6 response itself');
  const st = cmd(board, 13, RCA << 16, 'r1').resp[0]!;
  assert.ok(st & R1.SWITCH_ERROR.mask);
  assert.equal(cmd(board, 13, RCA << 16, 'r1').resp[0]! & R1.SWITCH_ERROR.mask, 0, 'cleared after being reported');
  cmd(board, 6, 0x03b70300, 'r1b'); // BUS_WIDTH 3 is not a width
  assert.ok(cmd(board, 13, RCA << 16, 'r1').resp[0]! & R1.SWITCH_ERROR.mask);
  assert.equal(board.card.extCsd[EXT_CSD.BUS_WIDTH], 0);
  assert.equal(board.card.extCsd[EXT_CSD.REV], EXT_CSD_REV_5_1);
  cmd(board, 6, 0x03b70200, 'r1b'); // 8-bit
  assert.equal(cmd(board, 13, RCA << 16, 'r1').resp[0]! & R1.SWITCH_ERROR.mask, 0);
  assert.equal(board.card.extCsd[EXT_CSD.BUS_WIDTH], 2);
});

test('CID fields decode as Linux would read them', () => {
  const { board } = makeBoard();
  const cid = board.card.cid;
  assert.equal(getBits(cid, 127, 120), 0xfe);
  assert.equal(String.fromCharCode(...[0, 1, 2, 3, 4, 5].map((i) => getBits(cid, 103 - 8 * i, 96 - 8 * i))), 'MMCPST');
  assert.equal(getBits(cid, 0, 0), 1);
});

test('CMD10 returns the same CID as CMD2, and CMD55 answers with APP_CMD set', () => {
  const { board } = makeBoard();
  powerUp(board);
  cmd(board, 0, 0, 'none');
  while (!(cmd(board, 1, 0x40300000, 'r3').resp[0]! & 0x80000000));
  const cid2 = cmd(board, 2, 0, 'r2').resp;
  cmd(board, 3, RCA << 16, 'r1');
  assert.deepEqual(cmd(board, 10, RCA << 16, 'r2').resp, cid2);
  const r = cmd(board, 55, RCA << 16, 'r1').resp[0]!;
  assert.ok(r & R1.APP_CMD.mask);
  assert.equal(r1State(r), 'stby');
});

test('CMD35/36/38 erase through MMIO: R1 for the range, R1b with busy for the erase', () => {
  const { board, backing } = makeBoard({ size: 1024 * 1024 });
  powerUp(board);
  initCard(board);
  assert.notEqual(backing.read(0x200, 1)[0], 0);
  cmd(board, 35, 0x200, 'r1'); // byte addresses on a 1 MiB part
  cmd(board, 36, 0x400, 'r1');
  const t0 = board.clock.now;
  const r = cmd(board, 38, 0, 'r1b');
  assert.ok(r.status & R.NIS.TRANSFER_COMPLETE.mask);
  assert.ok(board.clock.now - t0 >= 5e6, 'one erase group of busy');
  assert.ok(backing.read(0, 512 * 1024).every((x) => x === 0), 'the whole 512 KiB group reads as erased');
  assert.notEqual(backing.read(512 * 1024 + 2, 1)[0], 0, "the next group is untouched");
});

test('a 32-bit write at 0x0C sets Transfer Mode and issues the command in one access', () => {
  const { board, backing } = makeBoard();
  powerUp(board);
  initCard(board);
  board.mmio.writew(R.BLOCK_SIZE.offset, R.blockSizeValue(512));
  board.mmio.writew(R.BLOCK_COUNT.offset, 1);
  board.mmio.writel(R.ARGUMENT.offset, 512);
  board.mmio.writel(R.TRANSFER_MODE.offset, (R.mmcCommandWord(17, 'r1', true) << 16) | tmValue({ read: true }));
  assert.deepEqual(pioRead(board, 1), backing.read(512, 512));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
});

test('Transfer Mode writes are ignored while Command Inhibit (DAT) is set', () => {
  const { board } = makeBoard();
  powerUp(board);
  initCard(board);
  dataCmd(board, 17, 0, 1, tmValue({ read: true }));
  board.mmio.writew(R.TRANSFER_MODE.offset, 0);
  assert.equal(board.mmio.readw(R.TRANSFER_MODE.offset), tmValue({ read: true }));
  assert.equal(board.controller.counters.guestErrors, 1);
});
