/**
 * Typed errors of the partition layer. Each names the value it found and carries a `data`
 * payload for `--json` output; `errno` is the Linux error the same situation produces
 * (spec §0.3) where there is one.
 */

export type PartitionErrorCode =
  | 'LAYOUT_INVALID' // a layout handed to an encoder cannot be written
  | 'LAYOUT_NO_ROOM' // defaultCardLayout: the partitions do not fit the disk
  | 'GUID_INVALID' // GUID text that is not 8-4-4-4-12 hex
  | 'BLKDEV_INVALID' // blkdev spec whose syntax Linux rejects (-EINVAL)
  | 'BLKDEV_NOT_FOUND'; // blkdev spec that names nothing present (-ENODEV / -ENXIO)

export class PartitionError extends Error {
  constructor(
    message: string,
    readonly code: PartitionErrorCode,
    readonly data: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { name: string; code: PartitionErrorCode; message: string; data: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** A layout that cannot be encoded (overlap, outside the usable area, bad name, ...). */
export class PartitionLayoutError extends PartitionError {
  constructor(message: string, data: Readonly<Record<string, unknown>> = {}, code: PartitionErrorCode = 'LAYOUT_INVALID') {
    super(message, code, data);
  }
}

export class GuidError extends PartitionError {
  constructor(readonly text: string) {
    super(`not a GUID: ${JSON.stringify(text)} (expected 8-4-4-4-12 hex digits)`, 'GUID_INVALID', { text });
  }
}

/** Base of the errors `resolveBlkdev` throws; `available` lists what could have matched. */
export class BlkdevError extends PartitionError {
  constructor(
    message: string,
    code: 'BLKDEV_INVALID' | 'BLKDEV_NOT_FOUND',
    readonly spec: string,
    readonly available: readonly string[],
    readonly errno: number,
    extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(
      `${message}; available: ${available.length ? available.join(', ') : '(no block devices)'}`,
      code,
      { spec, available, errno, ...extra },
    );
  }
}

/** The spec's syntax is one Linux rejects (early_lookup_bdev returns -EINVAL). */
export class BlkdevSyntaxError extends BlkdevError {
  constructor(spec: string, why: string, available: readonly string[]) {
    super(`blkdev ${JSON.stringify(spec)} is invalid: ${why}`, 'BLKDEV_INVALID', spec, available, -22, { why });
  }
}

/** The spec is well formed but names no present disk or partition (-ENODEV). */
export class BlkdevNotFoundError extends BlkdevError {
  constructor(spec: string, why: string, available: readonly string[], extra: Readonly<Record<string, unknown>> = {}) {
    super(`blkdev ${JSON.stringify(spec)} not found: ${why}`, 'BLKDEV_NOT_FOUND', spec, available, -19, { why, ...extra });
  }
}
