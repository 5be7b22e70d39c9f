// `wrunc pause`: freezes every process of the container through its cgroup freezer (v1
// freezer.state, v2 cgroup.freeze), as runc. The core refuses it (command.unavailable) where the
// runtime has no cgroups it can write.
import { WruncError } from '../errors.js';
import type { CgroupManager } from '../cgroups/index.js';
import { sleepMs } from '../cgroups/sleep.js';
import { withLocked, type CommandDef } from './context.js';

/** v1 passes through FREEZING while tasks stop; a task in uninterruptible sleep holds it there */
const SETTLE_MS = 5_000;

export const pause: CommandDef = {
  command: 'pause <container-id>',
  describe: 'suspend all processes of a container',
  builder: (y) => y.positional('container-id', { type: 'string', describe: 'the container to pause' }),
  run(ctx, a: { id: string }) {
    withLocked(ctx, 'pause', a.id, (c) => {
      // runc pauses created containers too: their init waits on the exec fifo
      if (c.status !== 'running' && c.status !== 'created') {
        throw new WruncError('container.not-running', `container ${a.id} is ${c.status}; only a running or created container can be paused`);
      }
      if (!c.cg || !c.cg.freeze()) {
        throw new WruncError('cgroup.freeze', `container ${a.id} has no cgroup freezer to use; mount the freezer controller (v1) or use cgroup v2`);
      }
      if (!settles(c.cg, true)) {
        c.cg.thaw();
        throw new WruncError('cgroup.freeze', `container ${a.id} did not freeze within ${SETTLE_MS / 1000}s (a process may be stuck in the kernel); it was thawed again, try once more`);
      }
    });
    return 0;
  },
};

/** waits until the freezer reports the wanted state */
export function settles(cg: CgroupManager, frozen: boolean): boolean {
  for (let waited = 0; cg.isFrozen() !== frozen; waited += 10) {
    if (waited >= SETTLE_MS) return false;
    sleepMs(10);
  }
  return true;
}
