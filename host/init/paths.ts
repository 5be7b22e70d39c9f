// Resolving container paths inside the root filesystem before pivot_root, when "/" is still the
// host's. Symlinks are followed as the container will see them (an absolute target starts again
// at the rootfs); a ".." that would climb out of the rootfs is an escape and an error, never a
// host path. The mount itself then goes through an O_PATH fd whose real path is checked, so a
// symlink swapped in between cannot redirect it.
import { closeSync, lstatSync, mkdirSync, openSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WruncError } from '../errors.js';
import { O_NOFOLLOW, O_PATH } from '../ffi.js';

const MAX_LINKS = 40;

/** the host path of container path `unsafe` under `root`; `pointer` names it in errors */
export function resolveIn(root: string, unsafe: string, pointer: string): string {
  const todo = split(unsafe);
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') {
      if (!done.length) throw escape(unsafe, pointer);
      done.pop();
      continue;
    }
    const full = join(root, ...done, part);
    if (!missing) {
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (!st) {
        missing = true;
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new WruncError('mount.destination-loop', `too many symbolic links resolving ${unsafe}`, pointer);
        const target = readlinkSync(full);
        if (target.startsWith('/')) done.length = 0;
        todo.unshift(...split(target));
        continue;
      }
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** creates `path` (a resolved path under root) as a directory or an empty file, with its parents */
export function createTarget(path: string, file: boolean): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st) return;
  if (!file) {
    mkdirSync(path, { recursive: true, mode: 0o755 });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, '', { mode: 0o644, flag: 'wx' });
}

/**
 * Runs fn with "/proc/self/fd/N" for resolved `path`, after checking that the opened object
 * really is under `root` (realRoot: the rootfs with its own symlinks resolved).
 */
export function viaFd<T>(realRoot: string, path: string, pointer: string, fn: (target: string) => T): T {
  const fd = openSync(path, O_PATH | O_NOFOLLOW);
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (real !== realRoot && !real.startsWith(`${realRoot}/`)) throw escape(path, pointer);
    return fn(`/proc/self/fd/${fd}`);
  } finally {
    closeSync(fd);
  }
}

function split(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

function escape(path: string, pointer: string): WruncError {
  return new WruncError('mount.destination-escape', `${path} resolves outside the container's root filesystem`, pointer);
}
