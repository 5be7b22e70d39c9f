// `wrunc resume`: thaws a paused container's cgroup freezer (runc's resume).
import { WruncError } from '../errors.js';
import { withLocked, type CommandDef } from './context.js';
import { settles } from './pause.js';

export const resume: CommandDef = {
  command: 'resume <container-id>',
  describe: 'resume all processes of a paused container',
  builder: (y) => y.positional('container-id', { type: 'string', describe: 'the container to resume' }),
  run(ctx, a: { id: string }) {
    withLocked(ctx, 'resume', a.id, (c) => {
      // state.ts reports a paused created container as "created" (its exec fifo is still there)
      const paused = c.status === 'paused' || (c.status === 'created' && c.cg?.isFrozen());
      if (!paused || !c.cg) {
        throw new WruncError('container.not-paused', `container ${a.id} is ${c.status}, not paused; nothing to resume`);
      }
      c.cg.thaw();
      if (!settles(c.cg, false)) {
        throw new WruncError('cgroup.thaw', `container ${a.id} did not thaw; check ${Object.values(c.cg.paths.dirs)[0]} and try again`);
      }
    });
    return 0;
  },
};
