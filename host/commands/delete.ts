// `wrunc delete`: removes a stopped (or created) container; --force kills a running one first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WruncError } from '../errors.js';
import { lockContainer, removeStateDir, stateDir, STATE_FILE, type ContainerRecord } from '../state.js';
import { decideFor, withLocked, type CommandDef, type Ctx } from './context.js';
import { runCommandHooks } from './hooks.js';
import { teardown } from './teardown.js';

export const del: CommandDef = {
  command: 'delete <container-id>',
  describe: 'delete a container: its processes, cgroup and state',
  builder: (y) => y
    .positional('container-id', { type: 'string', describe: 'the container to delete' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill the container first if it is running or paused' }),
  async run(ctx, a: { id: string; force: boolean }) {
    let rec: ContainerRecord;
    try {
      rec = withLocked(ctx, 'delete', a.id, (c) => {
        if ((c.status === 'running' || c.status === 'paused') && !a.force) {
          throw new WruncError('container.running', `container ${a.id} is ${c.status}; stop it with wrunc kill ${a.id} first, or use delete --force`);
        }
        // a paused container must thaw for SIGKILL to take effect
        if (c.status === 'paused') c.cg?.thaw();
        teardown({ dir: c.dir, cg: c.cg, pid: c.rec.pid, pidStart: c.rec.pidStart });
        return c.rec;
      });
    } catch (e) {
      // as runc: --force on a container that does not exist is not an error
      if (a.force && e instanceof WruncError && e.code === 'container.not-found') {
        removeHalfCreated(ctx, a.id);
        return 0;
      }
      throw e;
    }
    await runCommandHooks(ctx, 'poststop', rec);
    return 0;
  },
};

/**
 * A create killed before it wrote state.json leaves a state dir that would block the id forever.
 * Its lock holder is dead by now (a live create holds the lock until state.json exists).
 */
function removeHalfCreated(ctx: Ctx, id: string): void {
  const dir = stateDir(decideFor(ctx, 'delete', { id }).decisions.stateRoot.value, id);
  if (!existsSync(dir)) return;
  const release = lockContainer(dir, id);
  try {
    if (!existsSync(join(dir, STATE_FILE))) removeStateDir(dir);
  } finally {
    release();
  }
}
