// What a stage hands to the last steps in main.ts: the program, found and with its environment,
// the seccomp filter still to load right before execve, and what to do between "ready" and that.
import type { SeccompFilter } from '../seccomp.js';
import type { PlanProcess } from '../types.js';

export interface Launch {
  path: string;
  process: PlanProcess;
  env: string[];
  /** loaded just before execve (with noNewPrivileges; without, it was loaded before capabilities were dropped) */
  seccomp: SeccompFilter | null;
  /** runs after "ready": the container's init waits for start and runs the startContainer hooks */
  afterReady(): Promise<void>;
}
