/** The board session: the library API the commands call. */
export * from './types.js';
export { BoardSession, MmcpstoreAttachError, attachPstore, openBoard, type PstoreState } from './session.js';
export { closeBoard, erase, recoverFiles, runFlusher, runOops, runPanic, shutdownBoard, writeConsole, writePmsg, zonesOnCard, type RunPanicOptions, type ZoneLanding } from './run.js';
export { mkimage, type MkimageOptions, type MkimageResult } from './mkimage.js';
export { imageFileSize, QEMU_BOOT_SIZE, QEMU_RPMB_SIZE } from './image-file.js';
export { applyScenario, type ScenarioSetup } from './scenario.js';
export { DEFAULT_MMCPSTORE_VERSION, MMCPSTORE_VERSIONS, MMCPSTORE_VERSION_ALIASES, VERSION_TRAITS, mmcpstoreVersion, type MmcpstoreVersion } from '../mmcpstore/versions.js';
export { verifyPanicWrites, type WriteCheck } from './verify.js';
// What the board's command line is assembled from, as QEMU's is: the image file behind the card
// (with the writer lock) and the trace sink. Callers above the driver open these through here.
export { FileBacking, ImageLayoutError, ImageLockedError, Tracer, isBlockDevice, type BlockBacking } from '../../device/board.js';
