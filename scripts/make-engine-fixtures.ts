/**
 * Development tool: writes fixtures/<scenario>.img.gz for every engine
 * scenario and, when the kernel oracle is installed (ORACLE=/path/to/oracle),
 * has a real Linux kernel read each one into fixtures/<scenario>.kernel-read/
 * and writes the sidecar fixtures/<scenario>.json.
 *   npx tsx scripts/make-engine-fixtures.ts [ORACLE_DIR]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENGINE_SCENARIOS, buildEngineImage } from './engine-scenarios.js';
import { mergeBlkParams } from '../src/zone/index.js';

const oracle = process.argv[2] ?? process.env.ORACLE;
const dir = path.resolve('fixtures');
const tmp = fs.mkdtempSync('/tmp/engine-fx-');
for (const s of ENGINE_SCENARIOS) {
  const image = buildEngineImage(s);
  const imgPath = path.join(tmp, `${s.name}.img`);
  fs.writeFileSync(imgPath, image);
  fs.writeFileSync(path.join(dir, `${s.name}.img.gz`), gzipSync(image, { level: 9 }));
  const p = mergeBlkParams(s.params);
  const kb = (v: number): number => Math.max(0, v);
  const sidecar: Record<string, unknown> = {
    fixture: s.name,
    image_file: `${s.name}.img.gz`,
    image_size: image.length,
    image_sha256: createHash('sha256').update(image).digest('hex'),
    written_by: 'mmcpstore pstore engine (scripts/engine-scenarios.ts), read back by a real Linux kernel',
    description: s.description,
    cpus: s.cpus,
    module_params: {
      'pstore_blk.kmsg_size': kb(p.kmsgSize),
      'pstore_blk.pmsg_size': kb(p.pmsgSize),
      'pstore_blk.console_size': kb(p.consoleSize),
      'pstore_blk.ftrace_size': kb(p.ftraceSize),
      'pstore_blk.max_reason': p.maxReason,
      'pstore.compress': s.compress,
    },
  };
  if (oracle) {
    const out = path.join(dir, `${s.name}.kernel-read`);
    const args = [imgPath, '-o', out, '--kmsg-size', String(kb(p.kmsgSize)), '--pmsg-size', String(kb(p.pmsgSize)), '--console-size', String(kb(p.consoleSize)), '--ftrace-size', String(kb(p.ftraceSize)), '--cpus', String(s.cpus)];
    execFileSync(path.join(oracle, 'kernel-read'), args, { stdio: 'inherit' });
    fs.rmSync(path.join(out, '_oracle'), { recursive: true, force: true });
    const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8'));
    sidecar.kernel = index.kernel;
    // Debian's kernel allocates ftrace zones but is built without CONFIG_PSTORE_FTRACE.
    sidecar.reader_kernel_config = { CONFIG_PSTORE_FTRACE: false };
    sidecar.records_reported_by_kernel = index.records;
    sidecar.pstore_dmesg = index.pstore_dmesg;
  }
  fs.writeFileSync(path.join(dir, `${s.name}.json`), JSON.stringify(sidecar, null, 2) + '\n');
  console.log(`${s.name}: ${image.length} bytes`);
}
fs.rmSync(tmp, { recursive: true, force: true });
