// A container's state on disk: stateRoot/ID/ holds state.json (what later commands need), the
// exec.fifo while the container waits for `start`; the directory itself is the lock. Status is computed each time, as
// runc does, from the process and the fifo, never stored, so it cannot go stale.
import { closeSync, constants as fsConstants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { EXEC_FIFO } from './container.js';
import { WruncError } from './errors.js';
import { errno, errnoText, flock } from './ffi.js';
import { sleepMs } from './cgroups/sleep.js';
import type { CgroupPaths } from './cgroups/paths.js';
import type { Decisions, Plan } from './types.js';

export const STATE_FILE = 'state.json';
// flock(2) operations
const LOCK_EX = 2;
const LOCK_NB = 4;
const OCI_VERSION = '1.0.2-dev';

export type Status = 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerRecord {
  id: string;
  /** host pid of the container's init, and its start time (jiffies) to tell it from a reused pid */
  pid: number;
  pidStart: string;
  bundle: string;
  rootfs: string;
  created: string;
  /** uid that created it */
  owner: number;
  annotations: Record<string, string>;
  plan: Plan;
  decisions: Decisions;
  /** null when the container has no cgroup (cgroupManager "none") */
  cgroup: CgroupPaths | null;
  /** config.json as it was at create, which exec builds on (the bundle may change meanwhile, as with runc) */
  config: string;
}

/** runc's rule: word characters, "+", "-", "."; not "." or ".." */
export function validateId(id: string): void {
  if (!/^[\w+.-]+$/.test(id) || id === '.' || id === '..') {
    throw new WruncError('container.invalid-id', `invalid container id ${JSON.stringify(id)}: use letters, digits, "_", "+", "-" and "." only`);
  }
}

export function stateDir(root: string, id: string): string {
  return join(root, id);
}

/** the exclusive mkdir is what makes two creates of one id collide */
export function createStateDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = stateDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new WruncError('container.exists', `container ${id} already exists in ${root}; delete it first or choose another id`);
    }
    throw new WruncError('state.create', `cannot create the state directory ${dir}: ${(e as Error).message}`);
  }
  return dir;
}

/** temp file + rename: a reader sees the old state or the new one, never half of one */
export function writeState(dir: string, rec: ContainerRecord): void {
  const tmp = join(dir, `.${STATE_FILE}.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
  renameSync(tmp, join(dir, STATE_FILE));
}

export function readState(root: string, id: string): { dir: string; rec: ContainerRecord } {
  validateId(id);
  const dir = stateDir(root, id);
  try {
    return { dir, rec: JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as ContainerRecord };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WruncError('container.not-found', `container ${id} does not exist in ${root}; see wrunc list`);
    }
    throw new WruncError('state.corrupt', `cannot read the state of container ${id} (${join(dir, STATE_FILE)}): ${(e as Error).message}; delete it with wrunc delete --force ${id}`);
  }
}

export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export function removeStateDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function ownerOf(dir: string): number {
  return statSync(dir).uid;
}

/**
 * Takes the container's lock so that two commands never interleave on one container: flock on the
 * state directory itself. The kernel drops it when the holder exits, however it dies, so there is
 * no stale lock to break; and with no lock file, nothing can reappear in a directory that delete
 * is removing. Returns the release function.
 */
export function lockContainer(dir: string, id: string, timeoutMs = 10_000): () => void {
  for (let waited = 0; ;) {
    const fd = openStateDir(dir, id);
    while (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const e = errno();
      if (e !== osConstants.errno.EWOULDBLOCK || waited >= timeoutMs) {
        const holder = e === osConstants.errno.EWOULDBLOCK ? lockHolder(fd) : null;
        closeSync(fd);
        if (e !== osConstants.errno.EWOULDBLOCK) throw new WruncError('state.lock', `cannot lock ${dir}: ${errnoText(e)}`);
        throw new WruncError('container.locked', `container ${id} is locked by ${holder ? `process ${holder}` : 'another command'}; wait for that command to finish`);
      }
      sleepMs(5);
      waited += 5;
    }
    // while we waited, the holder may have removed the directory (delete) or replaced it (delete + create)
    if (isCurrent(fd, dir, id)) return once(() => closeSync(fd));
    closeSync(fd);
  }
}

function openStateDir(dir: string, id: string): number {
  try {
    return openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(dir, id);
    throw new WruncError('state.lock', `cannot open ${dir} to lock it: ${(e as Error).message}`);
  }
}

/** whether dir is still the directory fd was opened on; gone is container.not-found */
function isCurrent(fd: number, dir: string, id: string): boolean {
  const held = fstatSync(fd);
  try {
    const now = statSync(dir);
    return now.ino === held.ino && now.dev === held.dev;
  } catch {
    closeSync(fd);
    throw notFound(dir, id);
  }
}

function notFound(dir: string, id: string): WruncError {
  return new WruncError('container.not-found', `container ${id} does not exist in ${dirname(dir)}; see wrunc list`);
}

/** the pid holding a flock on fd's file, from /proc/locks ("1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."), for the message */
function lockHolder(fd: number): number | null {
  const st = fstatSync(fd);
  // /proc/locks prints the device as hex major:minor (the kernel's MAJOR()/MINOR() of st_dev)
  const major = Number((BigInt(st.dev) >> 8n) & 0xfffn | ((BigInt(st.dev) >> 32n) & ~0xfffn));
  const minor = Number((BigInt(st.dev) & 0xffn) | ((BigInt(st.dev) >> 12n) & ~0xffn));
  const key = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
  const line = readOr('/proc/locks').split('\n').find((l) => l.includes(' FLOCK ') && l.split(/\s+/).includes(key));
  return line ? Number(line.split(/\s+/)[4]) : null;
}

/** a release that may be called more than once: a second close could close someone else's fd */
function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) f();
    done = true;
  };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** field 22 of /proc/PID/stat (after the parenthesised comm, which may hold spaces), or null */
export function procStartTime(pid: number): string | null {
  const stat = procStat(pid);
  return stat ? stat[19] : null;
}

/** the fields after "(comm)" of /proc/PID/stat: [0] is the state letter (field 3), [N-3] is field N */
export function procStat(pid: number): string[] | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const text = readOr(`/proc/${pid}/stat`);
  const close = text.lastIndexOf(')');
  return close < 0 ? null : text.slice(close + 2).split(' ');
}

/** running or sleeping, and the same process (start time) as recorded; a zombie has exited */
export function alive(pid: number, start: string | null | undefined): boolean {
  const stat = procStat(pid);
  if (!stat || stat[0] === 'Z' || stat[0] === 'X') return false;
  return start === undefined || start === null || stat[19] === start;
}

export function computeStatus(dir: string, rec: ContainerRecord, isFrozen: () => boolean): Status {
  if (!alive(rec.pid, rec.pidStart)) return 'stopped';
  if (existsSync(join(dir, EXEC_FIFO))) return 'created';
  return isFrozen() ? 'paused' : 'running';
}

/** runc's `state` object, key order included; a stopped container shows pid 0 */
export function ociState(rec: ContainerRecord, status: Status, owner = ''): Record<string, unknown> {
  return {
    ociVersion: OCI_VERSION,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner,
    ...(Object.keys(rec.annotations).length ? { annotations: rec.annotations } : {}),
  };
}

export function writePidFile(path: string, pid: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, String(pid));
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw new WruncError('pid-file.write', `cannot write the pid file ${path}: ${(e as Error).message}`);
  }
}
