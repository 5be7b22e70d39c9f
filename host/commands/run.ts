// `wrunc run`: create + start, then wait and exit with the container's status (128+signal when
// it was killed), removing it afterwards unless --keep; --detach returns once it has started.
import { releaseContainer } from '../container.js';
import { attachTerminal } from '../terminal.js';
import { createContainer, withCreateOptions, type CreateArgs } from './create.js';
import type { CommandDef } from './context.js';
import { runCommandHooks } from './hooks.js';
import { teardown, teardownLocked } from './teardown.js';

// what a terminal or a supervisor sends to `run`, passed on to the container as runc does
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export const run: CommandDef = {
  command: 'run <container-id>',
  describe: 'create and start a container, wait for it, exit with its status',
  builder: (y) => withCreateOptions(y)
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once the container has started instead of waiting' })
    .option('keep', { type: 'boolean', default: false, describe: 'keep the container\'s state after it exits (for wrunc state, then delete)' })
    .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master (with --detach)' }),
  async run(ctx, a: CreateArgs & { detach: boolean; keep: boolean }) {
    const c = await createContainer(ctx, a, 'run', a.detach ? 'create' : 'run');
    const forward = (s: NodeJS.Signals) => {
      try {
        process.kill(c.rec.pid, s);
      } catch {
        // already gone: its exit status is on the way
      }
    };
    try {
      releaseContainer(c.dir);
    } catch (e) {
      teardown({ dir: c.dir, cg: c.cg, pid: c.rec.pid, pidStart: c.rec.pidStart });
      throw e;
    }
    if (!a.detach) for (const s of FORWARDED) process.on(s, forward);
    const terminal = c.spawned.console === null ? null : attachTerminal(c.spawned.console);
    await runCommandHooks(ctx, 'poststart', c.rec);
    if (a.detach || !c.spawned.exit) return 0;
    const status = await c.spawned.exit;
    await terminal?.finish();
    for (const s of FORWARDED) process.off(s, forward);
    if (!a.keep) {
      teardownLocked(a.id, { dir: c.dir, cg: c.cg, pid: c.rec.pid, pidStart: c.rec.pidStart });
      await runCommandHooks(ctx, 'poststop', c.rec);
    }
    return status;
  },
};
