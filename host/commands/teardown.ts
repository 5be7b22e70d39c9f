// Removes a container entirely: every process (init first, then whatever the cgroup still holds),
// the cgroup and the state directory. Used by delete, by run when the container exits, and by
// create's rollback, so that all three leave the same nothing behind.
import type { CgroupManager } from '../cgroups/index.js';
import { sleepMs } from '../cgroups/sleep.js';
import { alive, lockContainer, removeStateDir } from '../state.js';

export interface Remains { dir: string; cg: CgroupManager | null; pid: number; pidStart: string | null }

export function teardown(r: Remains): void {
  killAll(r);
  r.cg?.destroy();
  removeStateDir(r.dir);
}

/** teardown of a container whose process has exited on its own (run, restore): under its lock, as delete */
export function teardownLocked(id: string, r: Remains): void {
  const release = lockContainer(r.dir, id);
  try {
    teardown(r);
  } finally {
    release();
  }
}

export function killAll(r: Omit<Remains, 'dir'>): void {
  if (r.pid > 0 && alive(r.pid, r.pidStart)) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  r.cg?.signalAll('SIGKILL');
  // SIGKILL is asynchronous: the cgroup cannot be removed until its processes have exited
  for (let i = 0; i < 200 && r.pid > 0 && alive(r.pid, r.pidStart); i++) sleepMs(5);
  for (let i = 0; i < 200 && r.cg && r.cg.pids().length > 0; i++) sleepMs(5);
}
