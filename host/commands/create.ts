// `wrunc create`: facts → decide → state dir → cgroup → container process waiting on exec.fifo →
// state.json. Anything failing on the way takes back all that was made before the error prints.
import { resolve } from 'node:path';
import { spawnContainer, type Spawned } from '../container.js';
import type { CgroupManager } from '../cgroups/index.js';
import { validateId, writePidFile, writeState, type ContainerRecord } from '../state.js';
import type { CommandDef, Ctx } from './context.js';
import { provision, recordOf } from './provision.js';
import { teardown } from './teardown.js';

export interface CreateArgs {
  id: string;
  bundle?: string;
  pidFile?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  consoleSocket?: string;
  preserveFds: number;
}

export interface Created { dir: string; rec: ContainerRecord; cg: CgroupManager | null; spawned: Spawned }

/** command: the fact the core decides for ("create" or "run"); mode: how the process is spawned */
export async function createContainer(ctx: Ctx, a: CreateArgs, command: 'create' | 'run', mode: 'create' | 'run'): Promise<Created> {
  validateId(a.id);
  const p = provision(ctx, a.id, a.bundle, command);
  let pid = 0;
  try {
    const spawned = await spawnContainer({
      id: a.id, bundle: p.bundle.dir, stateDir: p.dir, plan: p.plan, decisions: p.decisions, mode,
      noPivot: a.noPivot, noNewKeyring: a.noNewKeyring, preserveFds: (p.plan.process?.listenFds ?? 0) + a.preserveFds,
      consoleSocket: a.consoleSocket, onSpawn: (x) => p.cg?.addPid(x),
    });
    pid = spawned.pid;
    const rec = recordOf(a.id, p, pid);
    writeState(p.dir, rec);
    if (a.pidFile) writePidFile(resolve(a.pidFile), pid);
    p.release();
    return { dir: p.dir, rec, cg: p.cg, spawned };
  } catch (e) {
    teardown({ dir: p.dir, cg: p.cg, pid, pidStart: null });
    throw e;
  }
}

export const create: CommandDef = {
  command: 'create <container-id>',
  describe: 'create a container: its process waits, namespaces and cgroup made, until `wrunc start`',
  builder: (y) => withCreateOptions(y)
    .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master when process.terminal is true' }),
  async run(ctx, a: CreateArgs) {
    await createContainer(ctx, a, 'create', 'create');
    return 0;
  },
};

/** the options create and run share */
export function withCreateOptions(y: any): any {
  return y
    .positional('container-id', { type: 'string', describe: 'unique name for the container ([A-Za-z0-9_+.-]+)' })
    .option('bundle', { alias: 'b', type: 'string', describe: 'bundle directory holding config.json (default: the current directory)' })
    .option('pid-file', { type: 'string', describe: 'write the container process\'s pid to this file' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'do not use pivot_root (for a rootfs on a ramdisk)' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'keep the caller\'s session keyring instead of a new one' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass this many extra fds (from fd 3) into the container' });
}
