// The last steps: find the program (PATH lookup inside the container, as runc), prepare the fds
// the program gets, wait for `start` on exec.fifo, and execve.
import { accessSync, closeSync, constants, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { CLOSE_RANGE_CLOEXEC, F_SETFD, check, closeRange, errnoText, execve, fcntl } from '../ffi.js';
import type { PlanProcess } from '../types.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * args[0] as an executable path, looked up in the container's PATH when it has no slash. The
 * messages keep runc's wording: podman and Docker read it to choose exit status 126 or 127.
 */
export function lookPath(p: PlanProcess): string {
  const name = p.args[0];
  const where = '/process/args/0';
  if (name.includes('/')) {
    const st = statSync(name, { throwIfNoEntry: false });
    if (!st) throw new WruncError('process.not-found', `exec: ${JSON.stringify(name)}: stat ${name}: no such file or directory; give a program that exists in the rootfs`, where);
    if (st.isDirectory() || !executable(name)) throw new WruncError('process.not-executable', `exec: ${JSON.stringify(name)}: permission denied; the file must be executable by the process user`, where);
    return name;
  }
  for (const dir of (envValue(p.env, 'PATH') ?? DEFAULT_PATH).split(':')) {
    const c = `${dir || '.'}/${name}`;
    // not there, or not executable by this user: keep looking, as execvp does
    if (statSync(c, { throwIfNoEntry: false })?.isFile() && executable(c)) return c;
  }
  throw new WruncError('process.not-found', `exec: ${JSON.stringify(name)}: executable file not found in $PATH; install it in the rootfs or give its full path`, where);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** the program's environment: the spec's, plus HOME from the container's /etc/passwd when unset */
export function programEnv(p: PlanProcess): string[] {
  if (envValue(p.env, 'HOME') !== undefined) return p.env;
  return [...p.env, `HOME=${homeOf(p.uid)}`];
}

/**
 * stdio and preserved fds survive execve (Node marks 0-2 close-on-exec at start-up); every other
 * fd, Node's own included, closes at execve.
 */
export function prepareFds(preserveFds: number, syncFd: number): void {
  for (let fd = 0; fd < 3 + preserveFds; fd++) check(fcntl(fd, F_SETFD, 0), 'process.fds', `clear close-on-exec on fd ${fd}`);
  check(closeRange(syncFd, 0xffffffff, CLOSE_RANGE_CLOEXEC), 'process.fds', 'mark fds close-on-exec');
}

/** blocks until `start` opens exec.fifo for reading (fifoFd: O_PATH, opened before pivot_root) */
export function waitForStart(fifoFd: number): void {
  const fd = openSync(`/proc/self/fd/${fifoFd}`, constants.O_WRONLY);
  writeSync(fd, '0');
  closeSync(fd);
  closeSync(fifoFd);
}

export function exec(path: string, p: PlanProcess, env: string[]): never {
  execve(path, [...p.args, null], [...env, null]);
  throw new WruncError('process.exec', `exec ${path}: ${errnoText()}`, '/process/args/0');
}

function envValue(env: string[], key: string): string | undefined {
  const e = env.find((v) => v.startsWith(`${key}=`));
  return e?.slice(key.length + 1);
}

function homeOf(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') return f[5];
    }
  } catch {
    // no /etc/passwd in the image
  }
  return '/';
}
