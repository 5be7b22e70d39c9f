// A new process in a running container: the trampoline joins the container's namespaces through
// /proc/INITPID/ns/* (user first), forks into its PID namespace and execs the stage, which joins
// the mount namespace itself and execs the program (host/init/enter.ts). The caller places the
// trampoline in the container's cgroup in onSpawn, before any join.
import { Trampoline, consoleFor } from '../container.js';
import { WruncError } from '../errors.js';
import type { ExecConfig } from '../init/protocol.js';
import { hostWinsize } from '../terminal.js';
import { alive, type ContainerRecord } from '../state.js';
import type { PlanNamespace, PlanProcess } from '../types.js';

const PROC_NAME: Record<PlanNamespace['type'], string> = {
  user: 'user', ipc: 'ipc', uts: 'uts', network: 'net', pid: 'pid', mount: 'mnt', cgroup: 'cgroup', time: 'time',
};

export interface ExecOptions {
  rec: ContainerRecord;
  process: PlanProcess;
  detach: boolean;
  preserveFds: number;
  consoleSocket?: string;
  onSpawn(pid: number): void;
}

export interface Executed {
  /** the program as the host sees it */
  pid: number;
  /** in the foreground: its exit status (128+signal when killed) */
  exit: Promise<number> | null;
  /** in the foreground with a terminal: the pty master, for wrunc to proxy */
  console: number | null;
}

export async function spawnExec(o: ExecOptions): Promise<Executed> {
  const { rec } = o;
  const ns = (n: PlanNamespace) => `/proc/${rec.pid}/ns/${PROC_NAME[n.type]}`;
  const joins = rec.plan.namespaces.filter((n) => n.type !== 'mount').map((n) => ({ flag: n.flag, path: ns(n) }));
  const mount = rec.plan.namespaces.find((n) => n.type === 'mount');
  const console = o.process.terminal ? await consoleFor(o.consoleSocket) : null;
  let t: Trampoline;
  try {
    t = await Trampoline.start({
      cloneFlags: 0, mode: o.detach ? 'create' : 'run', fifo: null, timeOffsets: '-', joins,
      preserveFds: o.preserveFds, console: console?.theirs ?? null, onSpawn: o.onSpawn, maps: rec,
    });
  } catch (e) {
    console?.close();
    // the container died between the status check and the joins
    if (!alive(rec.pid, rec.pidStart)) throw new WruncError('container.not-running', `container ${rec.id} is not running; exec needs a created or running container`);
    throw e;
  }
  try {
    const config: ExecConfig = {
      kind: 'exec', id: rec.id, process: withHostSize(o), decisions: rec.decisions, seccomp: rec.plan.seccomp,
      mountNs: mount ? ns(mount) : null, preserveFds: o.preserveFds, syncFd: t.syncFd, consoleFd: console ? t.syncFd + 2 : null,
    };
    t.send(config);
    const report = await t.report();
    if (report.t === 'error') throw new WruncError(report.code, report.message, report.path);
    if (report.t !== 'ready') throw new WruncError('init.protocol', `unexpected message from the exec stage: ${report.t}`);
    const master = console?.receive() ?? null;
    t.done(o.detach);
    return { pid: t.childPid, exit: o.detach ? null : t.exit, console: master };
  } catch (e) {
    await t.abort();
    throw e;
  } finally {
    console?.close();
  }
}

/**
 * A pty wrunc holds itself opens at our terminal's size (unless the process names one): the
 * program runs before wrunc receives the master, so resizing it afterwards would come too late.
 */
function withHostSize(o: ExecOptions): PlanProcess {
  const size = o.process.terminal && o.consoleSocket === undefined && !o.process.consoleSize ? hostWinsize() : null;
  return size ? { ...o.process, consoleSize: { height: size.rows, width: size.cols } } : o.process;
}
