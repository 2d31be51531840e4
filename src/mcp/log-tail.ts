// The last lines of a pipeline's captured output, for `show_pipeline`: reads only the file's end.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

const TAIL_BYTES = 64 * 1024; // enough for a few hundred lines; logs can grow to megabytes

/** The last `lines` lines of `path`; [] when it does not exist (yet). */
export function readLogTail(path: string, lines: number): string[] {
  if (lines <= 0) return [];
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return []; // a pipeline that has not printed anything has no log
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    if (length < size) all.shift(); // the first line read is probably cut
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}
