/** The board session: the library API the commands call. */
export * from './types.js';
export { BoardSession, MmcpstoreAttachError, attachPstore, openBoard, type PstoreState } from './session.js';
export { closeBoard, erase, recoverFiles, runOops, runPanic, writeConsole, writePmsg, type RunPanicOptions } from './run.js';
export { mkimage, type MkimageOptions, type MkimageResult } from './mkimage.js';
export { imageFileSize, QEMU_BOOT_SIZE, QEMU_RPMB_SIZE } from './image-file.js';
export { applyScenario, type ScenarioSetup } from './scenario.js';
export { verifyPanicWrites, type WriteCheck } from './verify.js';
