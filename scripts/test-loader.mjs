// `node --import ./scripts/test-loader.mjs`: runs TypeScript test files and the src/ they import
// (scripts/test-loader-hooks.mjs). scripts/test.mjs names the compiled mirror of the tree in
// MMCPSTORE_TEST_COMPILED; without it each file is compiled as it is imported.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

register('./test-loader-hooks.mjs', import.meta.url, {
  data: { root: fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''), compiled: process.env['MMCPSTORE_TEST_COMPILED'] || undefined },
});
