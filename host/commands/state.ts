// `wrunc state`: runc's OCI state JSON for one container (indented, no trailing newline, as runc).
import { loadContainer, type CommandDef } from './context.js';
import { ociState } from '../state.js';

export const state: CommandDef = {
  command: 'state <container-id>',
  describe: 'print the state of a container as JSON',
  builder: (y) => y.positional('container-id', { type: 'string', describe: 'the container to show' }),
  run(ctx, a: { id: string }) {
    const c = loadContainer(ctx, 'state', a.id);
    process.stdout.write(JSON.stringify(ociState(c.rec, c.status), null, 2));
    return 0;
  },
};
