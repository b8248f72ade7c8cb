/**
 * The mmcpstore driver's own module parameters on a pasted command line: `mmcpstore.sector_offset`
 * and `mmcpstore.sector_count` (a window of the partition, in 512-byte sectors). pstore/zone knows
 * no MMC, so these are parsed here, through the zone parser's hook for other modules' parameters.
 */
import { parseKernelLong, parseParamString, type ForeignParam, type ParsedParams } from '../zone/params.js';

export interface MmcpstoreParams {
  sectorOffset?: number;
  sectorCount?: number;
}

/** Takes `mmcpstore.sector_offset` / `sector_count` into `out`. */
function mmcpstoreParam(out: MmcpstoreParams): ForeignParam {
  return (module, name, value, key) => {
    if (module !== 'mmcpstore') return false;
    if (name === 'sector_offset') out.sectorOffset = parseKernelLong(key, value);
    else if (name === 'sector_count') out.sectorCount = parseKernelLong(key, value);
    else return false;
    return true;
  };
}

/** A pasted command line's pstore parameters (zone/params.ts) and mmcpstore's; "auto" holds none. Throws ParamError. */
export function parseReadParams(paramString: string | undefined): ParsedParams & { mmcpstore: MmcpstoreParams } {
  const mmcpstore: MmcpstoreParams = {};
  const parsed = parseParamString(paramString?.trim() === 'auto' ? '' : (paramString ?? ''), mmcpstoreParam(mmcpstore));
  return { ...parsed, mmcpstore };
}
