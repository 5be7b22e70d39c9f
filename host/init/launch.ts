// What a stage hands to the last steps in main.ts: the program, found and with its environment,
// the seccomp filter still to load right before execve, and what to do between "ready" and that.
import { WruncError } from '../errors.js';
import type { SeccompFilter } from '../seccomp.js';
import type { Decisions, PlanProcess } from '../types.js';
import { lookPath, prepareFds, programEnv } from './exec.js';
import { applyIdentity } from './identity.js';
import { setRlimits } from './system.js';

export interface Launch {
  path: string;
  process: PlanProcess;
  env: string[];
  /** loaded just before execve (with noNewPrivileges; without, it was loaded before capabilities were dropped) */
  seccomp: SeccompFilter | null;
  /** runs after "ready": the container's init waits for start and runs the startContainer hooks */
  afterReady(): Promise<void>;
}

/**
 * The steps the container's init and an exec'd process share, in runc's order: rlimits, seccomp
 * while capabilities last (without no_new_privs loading a filter needs CAP_SYS_ADMIN), identity
 * and capabilities, umask, cwd, the program's path, the fds it keeps.
 */
export function prepareLaunch(
  proc: PlanProcess,
  o: { decisions: Decisions; lastCap: number; seccomp: SeccompFilter | null; preserveFds: number; syncFd: number },
  afterReady: () => Promise<void>,
): Launch {
  setRlimits(proc);
  if (o.seccomp && !proc.noNewPrivileges) o.seccomp.load();
  applyIdentity(proc, o.decisions, o.lastCap);
  process.umask(proc.umask ?? 0o022);
  try {
    process.chdir(proc.cwd);
  } catch (e) {
    throw new WruncError('process.cwd', `cwd ${proc.cwd}: ${(e as Error).message}`, '/process/cwd');
  }
  const path = lookPath(proc);
  prepareFds(o.preserveFds, o.syncFd);
  return { path, process: proc, env: programEnv(proc), seccomp: o.seccomp && proc.noNewPrivileges ? o.seccomp : null, afterReady };
}
