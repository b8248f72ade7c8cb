/**
 * What the writing commands (panic, oops, pmsg, console, erase, mkimage) accept as --image. They
 * change the card image in place, so it must be one they can write at offsets: an image file, or a
 * block device when the user says so (--allow-device; it is then opened exclusively, see
 * device/backing.ts). A compressed image, a FIFO, a pipe or `-` cannot be written back: refused in
 * one line, before anything is opened for writing.
 */
import * as fs from 'node:fs';
import { UsageError } from '../errors.js';
import { classifyImage, describeInput, type ClassifyOptions } from './kind.js';

/** Throws UsageError (2) unless a writer may change `image` in place; missing or odd files as classifyImage(). */
export function checkWritableImage(image: string, o: { allowDevice: boolean } & ClassifyOptions): void {
  const input = classifyImage(image, o.sysfsRoot !== undefined ? { sysfsRoot: o.sysfsRoot } : {});
  switch (input.kind) {
    case 'file':
      return;
    case 'block':
      if (o.allowDevice) return;
      throw new UsageError(`'${image}' is a block device: writing to one needs --allow-device (it is then opened exclusively, and refused while mounted or in use)`, { option: 'allow-device' });
    case 'compressed':
      throw new UsageError(`'${image}' is ${describeInput(input)}: a writing command changes the image in place; decompress it first`, { option: 'image' });
    case 'stream':
      throw new UsageError(`'${image}' is ${describeInput(input)}: a writing command changes the image in place and needs an image file (or a block device with --allow-device)`, { option: 'image' });
  }
}

/** mkimage creates or replaces a regular file; anything else that exists there is refused. */
export function checkMkimageTarget(image: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(image);
  } catch {
    return; // not there yet: mkimage creates it (and reports its own errors)
  }
  if (st.isFile() || st.isDirectory()) return; // a directory: mkimage's own 'exists' and open errors
  const what = st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : 'not a regular file';
  throw new UsageError(`mkimage creates an image file, and '${image}' is ${what}${st.isBlockDevice() ? ' (make an image file, copy it onto the device, then write with --allow-device)' : ''}`, { option: 'image' });
}
