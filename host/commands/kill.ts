// `wrunc kill`: sends a signal to the container's init, or with --all to every process in its cgroup.
import { WruncError } from '../errors.js';
import { withLocked, type CommandDef } from './context.js';
import { parseSignal } from './signals.js';

export const kill: CommandDef = {
  command: 'kill <container-id> [signal]',
  describe: 'send a signal (default SIGTERM) to the container\'s process',
  builder: (y) => y
    .positional('container-id', { type: 'string', describe: 'the container to signal' })
    .positional('signal', { type: 'string', default: 'SIGTERM', describe: 'name (TERM, SIGTERM) or number' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container\'s cgroup, not only init' }),
  run(ctx, a: { id: string; signal: string; all: boolean }) {
    const sig = parseSignal(String(a.signal));
    withLocked(ctx, 'kill', a.id, (c) => {
      if (c.status === 'stopped') throw new WruncError('container.not-running', `container ${a.id} is not running; nothing to signal`);
      if (a.all) {
        if (!c.cg) throw new WruncError('container.no-cgroup', `container ${a.id} has no cgroup, so --all cannot find its processes; signal without --all`);
        c.cg.signalAll(sig);
        return;
      }
      try {
        process.kill(c.rec.pid, sig);
      } catch (e) {
        throw new WruncError('container.signal', `cannot signal container ${a.id} (pid ${c.rec.pid}): ${(e as NodeJS.ErrnoException).code}`);
      }
    });
    return 0;
  },
};
