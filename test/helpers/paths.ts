/** Where the checkout's parts are, for tests in any folder. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (package.json). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SRC_DIR = path.join(ROOT, 'src');
export const FIXTURES_DIR = path.join(ROOT, 'fixtures');
/** The CLI's source entry, run with tsx. */
export const CLI_SOURCE = path.join(ROOT, 'src/cli.ts');
/** The installed entry point: runs the bundle that `npm run build` makes. */
export const CLI_BIN = path.join(ROOT, 'bin/mmcpstore.js');
/** Runs the CLI bundled from src/ into another directory (scripts/test.mjs builds one for npm test). */
export const RUN_BUNDLE = path.join(ROOT, 'scripts/run-bundle.cjs');
/** That directory, when the suite runs under `npm test`; unset when a test file runs alone. */
export const TEST_BUNDLE_DIR: string | undefined = process.env['MMCPSTORE_TEST_BUNDLE'] || undefined;
