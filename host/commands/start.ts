// `wrunc start`: lets a created container's process go on to exec the user's program.
import { releaseContainer } from '../container.js';
import { WruncError } from '../errors.js';
import { withLocked, type CommandDef } from './context.js';
import { runCommandHooks } from './hooks.js';

export const start: CommandDef = {
  command: 'start <container-id>',
  describe: 'start the user\'s program in a created container',
  builder: (y) => y.positional('container-id', { type: 'string', describe: 'the container to start' }),
  async run(ctx, a: { id: string }) {
    const rec = withLocked(ctx, 'start', a.id, (c) => {
      if (c.status === 'stopped') throw new WruncError('container.stopped', `container ${a.id} has stopped and cannot start again; delete it and create a new one`);
      if (c.status !== 'created') throw new WruncError('container.not-created', `container ${a.id} is already ${c.status}; only a created container can be started`);
      releaseContainer(c.dir);
      return c.rec;
    });
    await runCommandHooks(ctx, 'poststart', rec);
    return 0;
  },
};
