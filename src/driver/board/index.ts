/** The board session: the library API the commands call. */
export * from './types.js';
export { BoardSession, MmcpstoreAttachError, attachPstore, openBoard, type PstoreState } from './session.js';
export { closeBoard, erase, recoverFiles, runOops, runPanic, writeConsole, writePmsg, type RunPanicOptions } from './run.js';
export { mkimage, imageFileSize, type MkimageOptions, type MkimageResult } from './mkimage.js';
export { applyScenario, type ScenarioSetup } from './scenario.js';
export { verifyPanicWrites, type WriteCheck } from './verify.js';
