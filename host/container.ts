// Makes a real container process: spawns the trampoline (build/wrunc-tramp), speaks its protocol
// (see host/trampoline.c), writes id maps, hands the plan to the init stage (host/init/) and
// waits until it reports ready. The trampoline makes stateDir/exec.fifo; `start` releases the
// waiting init stage through it.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { closeSync, constants, existsSync, openSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { constants as os } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WruncError } from './errors.js';
import { writeIdMaps } from './idmap.js';
import type { InitConfig, InitReport } from './init/protocol.js';
import type { Decisions, Plan } from './types.js';

export interface SpawnOptions {
  id: string;
  bundle: string /* absolute */;
  stateDir: string /* exists, owned by create */;
  plan: Plan;
  decisions: Decisions;
  /** run: the trampoline stays the parent and exits with the container's status (128+signal when killed) */
  mode: 'create' | 'run';
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  consoleSocket?: string;
  /** called with the trampoline's host pid before it creates any namespace: the caller places it in the cgroup here */
  onSpawn(pid: number): void;
}

export interface Spawned {
  /** container init as the host sees it */
  pid: number;
  /** run mode: the container's exit status */
  exit: Promise<number> | null;
}

export const EXEC_FIFO = 'exec.fifo';
type StdioOption = Exclude<StdioOptions, string>[number];

// build/ next to the bundled CLI (build/wrunc.mjs), or ../build from the sources (tests)
const here = dirname(fileURLToPath(import.meta.url));
const BUILD = basename(here) === 'build' ? here : join(here, '..', 'build');
export const TRAMPOLINE = join(BUILD, 'wrunc-tramp');
export const INIT_STAGE = join(BUILD, 'init.mjs');

const STAGES: Record<string, string> = {
  args: 'reading its arguments',
  'open-ns': 'opening a namespace path',
  sync: 'talking to the host',
  setns: 'joining a namespace',
  setresgid: 'becoming root (gid 0) in the user namespace; is container gid 0 mapped?',
  setresuid: 'becoming root (uid 0) in the user namespace; is container uid 0 mapped?',
  'unshare-user': 'creating the user namespace',
  unshare: 'creating namespaces',
  fork: 'forking the container process',
  mkfifo: `making ${EXEC_FIFO}`,
  'timens-offsets': 'writing the time namespace offsets',
  exec: 'starting the init stage',
};

export async function spawnContainer(o: SpawnOptions): Promise<Spawned> {
  const terminal = o.plan.process?.terminal ?? false;
  if (terminal && o.consoleSocket === undefined) {
    throw new WruncError('process.terminal', 'process.terminal is true: give --console-socket, a unix socket that receives the pty master', '/process/terminal');
  }
  const consoleSock = terminal ? await connectConsole(o.consoleSocket!) : null;
  const syncFd = 3 + o.preserveFds;
  const joins = o.plan.namespaces.filter((n) => n.path !== null).map((n) => `${n.flag}:${n.path}`);
  const fifo = join(o.stateDir, EXEC_FIFO);
  const args = [String(syncFd), String(o.plan.cloneFlags), o.mode, fifo, timeOffsets(o.plan), ...joins, '--', process.execPath, INIT_STAGE, String(syncFd)];
  // stdio is the container's; preserved fds keep their numbers; then the sync socket, the fifo
  // (the trampoline puts it there) and the console socket
  const stdio: StdioOption[] = [0, 1, 2, ...Array.from({ length: o.preserveFds }, (_, i) => 3 + i), 'pipe'];
  if (consoleSock) stdio.push('ignore', consoleSock);
  const tramp = spawn(TRAMPOLINE, args, { stdio, env: {} });
  consoleSock?.destroy();
  const exit = new Promise<number>((res) => tramp.once('exit', (code, sig) => res(code ?? 128 + signalNumber(sig))));
  await new Promise<void>((res, rej) => {
    tramp.once('spawn', res);
    tramp.once('error', (e) => rej(new WruncError('container.spawn', `starting ${TRAMPOLINE}: ${e.message}`)));
  });
  const sock = tramp.stdio[syncFd] as Readable & Writable;
  const lines = new LineReader(sock);
  let initPid = 0;
  try {
    o.onSpawn(tramp.pid!);
    sock.write('G');
    for (;;) {
      const line = await lines.next();
      if (line === null) throw await diedEarly(tramp, exit);
      const [word, ...rest] = line.split(' ');
      if (word === 'userns') {
        await writeIdMaps(tramp.pid!, o.plan, o.decisions);
        sock.write('M');
      } else if (word === 'pid') {
        initPid = Number(rest[0]);
        break;
      } else {
        throw trampolineError(line);
      }
    }
    const config: InitConfig = {
      id: o.id, bundle: o.bundle, rootfs: rootfsPath(o), plan: o.plan, decisions: o.decisions,
      noPivot: o.noPivot, noNewKeyring: o.noNewKeyring, preserveFds: o.preserveFds, syncFd, fifoFd: syncFd + 1,
      consoleFd: consoleSock ? syncFd + 2 : null,
    };
    sock.write(`${JSON.stringify(config)}\n`);
    const line = await lines.next();
    if (line === null) throw await diedEarly(tramp, exit);
    const report = parseReport(line);
    if (report.t === 'error') throw new WruncError(report.code, report.message, report.path);
  } catch (e) {
    sock.destroy();
    if (tramp.exitCode === null) signal(tramp.pid!, 'SIGKILL');
    if (initPid) {
      // PID 1 of its namespace: its death takes the whole namespace; wait so the cgroup empties
      signal(initPid, 'SIGKILL');
      await gone(initPid);
    }
    throw e;
  }
  sock.destroy();
  if (o.mode === 'create') {
    tramp.unref();
    return { pid: initPid, exit: null };
  }
  return { pid: initPid, exit };
}

/**
 * `start`: opens exec.fifo for reading. The init stage is blocked opening it for writing; it
 * writes one byte and execs the container's program. The fifo is then removed.
 */
export function releaseContainer(stateDir: string): void {
  const fifo = join(stateDir, EXEC_FIFO);
  if (!existsSync(fifo)) throw new WruncError('container.not-created', 'cannot start a container that is not in the created state');
  // non-blocking: a dead init stage must give an error, not hang `start`
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    const deadline = Date.now() + 5000;
    for (;;) {
      let n = -1;
      try {
        n = readSync(fd, buf, 0, 1, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n === 1) break;
      // 0: no writer yet (the init stage is between "ready" and its open); -1: writer, no byte yet
      if (Date.now() > deadline) throw new WruncError('container.not-created', 'the container process did not wait for start (did it die?)');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  } finally {
    closeSync(fd);
  }
  unlinkSync(fifo);
}

/** linux.timeOffsets as /proc/self/timens_offsets lines, "-" for none */
function timeOffsets(plan: Plan): string {
  const lines = Object.entries(plan.timeOffsets ?? {}).map(([clock, o]) => `${clock} ${o.secs} ${o.nanosecs}\n`);
  return lines.length ? lines.join('') : '-';
}

function connectConsole(path: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const sock = connect(path);
    sock.once('connect', () => res(sock));
    sock.once('error', (e) => rej(new WruncError('terminal.socket', `connecting to the console socket ${path}: ${e.message}`)));
  });
}

function rootfsPath(o: SpawnOptions): string {
  return isAbsolute(o.plan.root.path) ? o.plan.root.path : join(o.bundle, o.plan.root.path);
}

function parseReport(line: string): InitReport {
  try {
    return JSON.parse(line) as InitReport;
  } catch {
    return { t: 'error', code: 'init.protocol', message: `unexpected message from the init stage: ${line.slice(0, 200)}`, path: '' };
  }
}

function trampolineError(line: string): WruncError {
  const [word, stage = '', err = '0'] = line.split(' ');
  if (word !== 'error') return new WruncError('init.protocol', `unexpected message from the trampoline: ${line.slice(0, 200)}`);
  const namespaces = ['open-ns', 'setns', 'unshare-user', 'unshare', 'timens-offsets'].includes(stage);
  const code = namespaces ? 'namespace.create' : stage === 'mkfifo' ? 'container.state' : 'container.spawn';
  return new WruncError(code, `trampoline failed ${STAGES[stage] ?? stage}: ${errnoName(Number(err))}`, namespaces ? '/linux/namespaces' : '');
}

async function diedEarly(tramp: ChildProcess, exit: Promise<number>): Promise<WruncError> {
  const status = tramp.exitCode ?? (await Promise.race([exit, new Promise<null>((r) => setTimeout(() => r(null), 200))]));
  return new WruncError('container.spawn', `the container process exited before it was ready${status === null ? '' : ` (trampoline status ${status})`}`);
}

function errnoName(n: number): string {
  const name = Object.entries(os.errno).find(([, v]) => v === n)?.[0];
  return name ? `${name} (errno ${n})` : `errno ${n}`;
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? os.signals[sig] : 0;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** resolves once pid has exited (a zombie counts: its reaper is not us), or after 2 s */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** newline-delimited messages from a stream, one at a time; null at end of stream */
class LineReader {
  private buf = '';
  private ended = false;
  private waiter: (() => void) | null = null;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => { this.buf += d; this.wake(); });
    stream.on('end', () => { this.ended = true; this.wake(); });
    stream.on('error', () => { this.ended = true; this.wake(); });
  }

  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        return line;
      }
      if (this.ended) return null;
      await new Promise<void>((r) => { this.waiter = r; });
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
