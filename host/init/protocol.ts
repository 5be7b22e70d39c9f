// What the host and the stage it started (build/init.mjs) say to each other on the sync socket,
// after the trampoline's part. The host sends one config line: an InitConfig makes a container's
// init, an ExecConfig a process in an existing container (`exec`). The stage answers with
// StageReport lines. JSON lines, so a message is never split across reads on either side.
//
//   init:  host -> config;  stage -> "hooks" (only with prestart/createRuntime hooks; the host
//          runs them and answers "go");  stage -> "ready" | "error"; the stage closes its end
//   exec:  host -> config;  stage -> "ready" just before execve | "error"; the socket is
//          close-on-exec, so the host then sees its end
import type { Decisions, Plan, PlanProcess, PlanSeccomp } from '../types.js';

/** fds the stage gets, numbered from the sync socket: preserved fds come before it */
export interface StageFds {
  preserveFds: number;
  /** the sync socket's fd number in the stage (3 + preserveFds) */
  syncFd: number;
  /** process.terminal: a unix socket connected by the host (syncFd + 2) that gets the pty master; null without a terminal */
  consoleFd: number | null;
}

export interface InitConfig extends StageFds {
  kind: 'init';
  id: string;
  /** the container's init as the host sees it: the pid hooks are told */
  pid: number;
  /** absolute bundle directory: relative bind sources are relative to it */
  bundle: string;
  /** absolute path of the root filesystem */
  rootfs: string;
  plan: Plan;
  decisions: Decisions;
  noPivot: boolean;
  noNewKeyring: boolean;
  /**
   * exec.fifo, opened O_PATH by the trampoline and inherited (syncFd + 1): the state directory may
   * be out of the container user's reach, and it is out of sight after pivot_root
   */
  fifoFd: number;
}

export interface ExecConfig extends StageFds {
  kind: 'exec';
  id: string;
  /** the process to run, decided by the core */
  process: PlanProcess;
  decisions: Decisions;
  /** the container's seccomp profile, applied to every process in it */
  seccomp: PlanSeccomp | null;
  /** /proc/INITPID/ns/mnt, joined by the stage itself (the trampoline cannot: see host/init/enter.ts); null without one */
  mountNs: string | null;
}

export type StageConfig = InitConfig | ExecConfig;

export type StageReport =
  | { t: 'ready' }
  | { t: 'hooks' }
  | { t: 'error'; code: string; message: string; path: string };

/** the host's answer to "hooks" */
export interface HooksDone { t: 'go' }
