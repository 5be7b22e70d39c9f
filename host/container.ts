// Makes a real container process: spawns the trampoline (build/wrunc-tramp), speaks its protocol
// (see host/trampoline.c), writes id maps, hands the plan to the init stage (host/init/), runs the
// prestart and createRuntime hooks when it stops for them, and waits until it reports ready. The
// trampoline makes stateDir/exec.fifo; `start` releases the waiting init stage through it. The
// Trampoline class is shared with `exec` (host/exec/spawn.ts).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { closeSync, constants, existsSync, openSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { constants as os } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WruncError } from './errors.js';
import { writeIdMaps } from './idmap.js';
import { creatingState, runHooks } from './hooks.js';
import type { HooksDone, InitConfig, StageConfig, StageReport } from './init/protocol.js';
import { hostWinsize, recvFd, setWinsize, socketPair } from './terminal.js';
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
  /** run mode with process.terminal and no --console-socket: the pty master, for wrunc to proxy */
  console: number | null;
}

export const EXEC_FIFO = 'exec.fifo';
type StdioOption = Exclude<StdioOptions, string>[number];

// build/ next to the bundled CLI (build/wrunc.mjs), or ../build from the sources (tests)
const here = dirname(fileURLToPath(import.meta.url));
const BUILD = basename(here) === 'build' ? here : join(here, '..', 'build');
export const TRAMPOLINE = join(BUILD, 'wrunc-tramp');
export const INIT_STAGE = join(BUILD, 'init.cjs');

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
  // in the foreground wrunc holds the master itself (run); otherwise someone else must
  if (terminal && o.consoleSocket === undefined && o.mode === 'create') {
    throw new WruncError('process.terminal', 'process.terminal is true: give --console-socket, a unix socket that receives the pty master', '/process/terminal');
  }
  const console = terminal ? await consoleFor(o.consoleSocket) : null;
  const fifo = join(o.stateDir, EXEC_FIFO);
  const joins = o.plan.namespaces.filter((n) => n.path !== null).map((n) => ({ flag: n.flag, path: n.path! }));
  let t: Trampoline;
  try {
    t = await Trampoline.start({
      cloneFlags: o.plan.cloneFlags, mode: o.mode, fifo, timeOffsets: timeOffsets(o.plan), joins,
      preserveFds: o.preserveFds, console: console?.theirs ?? null, onSpawn: o.onSpawn, maps: o,
    });
  } catch (e) {
    console?.close();
    throw e;
  }
  try {
    const config: InitConfig = {
      kind: 'init', id: o.id, pid: t.childPid, bundle: o.bundle, rootfs: rootfsPath(o), plan: o.plan, decisions: o.decisions,
      noPivot: o.noPivot, noNewKeyring: o.noNewKeyring, preserveFds: o.preserveFds, syncFd: t.syncFd, fifoFd: t.syncFd + 1,
      consoleFd: console ? t.syncFd + 2 : null,
    };
    t.send(config);
    for (;;) {
      const report = await t.report();
      if (report.t === 'ready') break;
      if (report.t === 'error') throw new WruncError(report.code, report.message, report.path);
      const state = creatingState(o.plan, o.id, o.bundle, 'creating', t.childPid);
      await runHooks('prestart', o.plan.hooks.prestart, state);
      await runHooks('createRuntime', o.plan.hooks.createRuntime, state);
      t.send({ t: 'go' } satisfies HooksDone);
    }
    const master = console?.receive() ?? null;
    t.done(o.mode === 'create');
    return { pid: t.childPid, exit: o.mode === 'run' ? t.exit : null, console: master };
  } catch (e) {
    await t.abort();
    throw e;
  } finally {
    console?.close();
  }
}

export interface TrampolineOptions {
  cloneFlags: number;
  mode: 'create' | 'run';
  /** exec.fifo to make, or null */
  fifo: string | null;
  /** "-" or /proc/self/timens_offsets lines */
  timeOffsets: string;
  /** namespaces to join, in order */
  joins: { flag: number; path: string }[];
  preserveFds: number;
  /** fd of a connected unix socket that the stage sends the pty master over (becomes syncFd + 2) */
  console: number | Socket | null;
  onSpawn(pid: number): void;
  /** writes the id maps when the trampoline creates a user namespace */
  maps: { plan: Plan; decisions: Decisions };
}

/**
 * One run of build/wrunc-tramp and the stage it execs (build/init.mjs), speaking the protocol of
 * host/trampoline.c up to the child's pid, then the stage's JSON lines (host/init/protocol.ts).
 */
export class Trampoline {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly sock: Readable & Writable,
    private readonly lines: LineReader,
    readonly syncFd: number,
    /** the trampoline's exit status; in run mode the stage's program's (128+signal when killed) */
    readonly exit: Promise<number>,
    /** the stage (then the program) as the host sees it */
    readonly childPid: number,
  ) {}

  static async start(o: TrampolineOptions): Promise<Trampoline> {
    const syncFd = 3 + o.preserveFds;
    const joins = o.joins.map((j) => `${j.flag}:${j.path}`);
    const args = [String(syncFd), String(o.cloneFlags), o.mode, o.fifo ?? '-', o.timeOffsets, ...joins, '--', process.execPath, INIT_STAGE, String(syncFd)];
    // stdio is the container's; preserved fds keep their numbers; then the sync socket, the fifo
    // (the trampoline puts it there) and the console socket
    const stdio: StdioOption[] = [0, 1, 2, ...Array.from({ length: o.preserveFds }, (_, i) => 3 + i), 'pipe'];
    if (o.console !== null) stdio.push('ignore', o.console);
    const tramp = spawn(TRAMPOLINE, args, { stdio, env: {} });
    const exit = new Promise<number>((res) => tramp.once('exit', (code, sig) => res(code ?? 128 + signalNumber(sig))));
    await new Promise<void>((res, rej) => {
      tramp.once('spawn', res);
      tramp.once('error', (e) => rej(new WruncError('container.spawn', `starting ${TRAMPOLINE}: ${e.message}`)));
    });
    const sock = tramp.stdio[syncFd] as Readable & Writable;
    const lines = new LineReader(sock);
    try {
      o.onSpawn(tramp.pid!);
      sock.write('G');
      for (;;) {
        const line = await lines.next();
        if (line === null) throw await diedEarly(tramp, exit);
        const [word, ...rest] = line.split(' ');
        if (word === 'userns') {
          await writeIdMaps(tramp.pid!, o.maps.plan, o.maps.decisions);
          sock.write('M');
        } else if (word === 'pid') {
          return new Trampoline(tramp, sock, lines, syncFd, exit, Number(rest[0]));
        } else {
          throw trampolineError(line);
        }
      }
    } catch (e) {
      sock.destroy();
      if (tramp.exitCode === null) signal(tramp.pid!, 'SIGKILL');
      throw e;
    }
  }

  send(msg: StageConfig | HooksDone): void {
    this.sock.write(`${JSON.stringify(msg)}\n`);
  }

  async report(): Promise<StageReport> {
    const line = await this.lines.next();
    if (line === null) throw await diedEarly(this.proc, this.exit);
    return parseReport(line);
  }

  /** the stage is on its own now: stop talking; detached: wrunc may exit without waiting for the trampoline */
  done(detached: boolean): void {
    this.sock.destroy();
    if (detached) this.proc.unref();
  }

  /** kills the trampoline and the stage, and waits for the stage (a PID 1 takes its namespace along) */
  async abort(): Promise<void> {
    // killed before the socket closes: a stage that saw the host hang up would report that too
    signal(this.childPid, 'SIGKILL');
    if (this.proc.exitCode === null) signal(this.proc.pid!, 'SIGKILL');
    this.sock.destroy();
    await gone(this.childPid);
  }
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

/**
 * The stage's end of the console: the --console-socket, connected here (the receiver gets the
 * master from the stage), or one end of a socket pair whose other end receives it for wrunc.
 */
export interface ConsoleLink {
  theirs: number | Socket;
  /** the master, once the stage said "ready" (it sends the master before); null for --console-socket */
  receive(): number | null;
  close(): void;
}

export async function consoleFor(socketPath: string | undefined): Promise<ConsoleLink> {
  if (socketPath !== undefined) {
    const sock = await connectConsole(socketPath);
    return { theirs: sock, receive: () => null, close: () => sock.destroy() };
  }
  const [ours, theirs] = socketPair();
  let open = true;
  return {
    theirs,
    receive: () => {
      const { fd } = recvFd(ours);
      // before start: the program's first look at its terminal must see our size
      const size = hostWinsize();
      if (size) setWinsize(fd, size);
      return fd;
    },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(ours);
      closeSync(theirs);
    },
  };
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

function parseReport(line: string): StageReport {
  try {
    return JSON.parse(line) as StageReport;
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
