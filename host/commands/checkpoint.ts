// `wrunc checkpoint`: dumps a running container with CRIU. Whether it may is the core's
// checkpointRestore decision (root and a passing criu check); when not, the core's
// command.unavailable is the error and nothing is touched. Without --leave-running the dumped
// container is gone afterwards and removed as delete does, as runc, so restore can reuse its id.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { dumpArgs, runCriu, type CriuCommon } from '../criu.js';
import { WruncError } from '../errors.js';
import { MS } from '../ffi.js';
import type { CgroupPaths } from '../cgroups/index.js';
import type { Plan } from '../types.js';
import { withLocked, type CommandDef } from './context.js';
import { runCommandHooks } from './hooks.js';
import { teardown } from './teardown.js';

/** the flags checkpoint and restore share, as runc names them */
export interface CriuFlags {
  imagePath: string;
  workPath?: string;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
}

interface CheckpointArgs extends CriuFlags {
  id: string;
  leaveRunning: boolean;
  preDump: boolean;
  parentPath?: string;
  manageCgroupsMode?: string;
}

export const checkpoint: CommandDef = {
  command: 'checkpoint <container-id>',
  describe: 'checkpoint a running container with CRIU (root, and criu check must pass)',
  builder: (y) => withCriuOptions(y)
    .positional('container-id', { type: 'string', describe: 'the container to checkpoint' })
    .option('leave-running', { type: 'boolean', default: false, describe: 'leave the container running after the checkpoint' })
    .option('pre-dump', { type: 'boolean', default: false, describe: 'dump memory only, leaving the container running (for a later dump with --parent-path)' })
    .option('parent-path', { type: 'string', describe: 'images of a previous pre-dump, relative to --image-path' })
    .option('manage-cgroups-mode', { choices: ['soft', 'full', 'strict', 'ignore'], describe: 'how criu handles cgroups (criu --manage-cgroups)' }),
  async run(ctx, a: CheckpointArgs) {
    const imagePath = resolve(a.imagePath);
    const workPath = resolve(a.workPath ?? imagePath);
    const gone = withLocked(ctx, 'checkpoint', a.id, (c) => {
      if (c.status !== 'running' && c.status !== 'paused') {
        throw new WruncError('container.not-running', `container ${a.id} is ${c.status}; only a running or paused container can be checkpointed`);
      }
      mkdirSync(imagePath, { recursive: true, mode: 0o700 });
      mkdirSync(workPath, { recursive: true, mode: 0o700 });
      const action = a.preDump ? 'pre-dump' : 'dump';
      runCriu(action, dumpArgs({
        ...criuCommon(a, imagePath, workPath, `/proc/${c.rec.pid}/root`, bindMounts(c.rec.plan, 'dump')),
        pid: c.rec.pid,
        leaveRunning: a.leaveRunning,
        preDump: a.preDump,
        parentPath: a.parentPath,
        manageCgroupsMode: a.manageCgroupsMode,
        freezeCgroup: c.status === 'paused' ? freezerOf(c.rec.cgroup) : undefined,
      }), workPath);
      if (a.leaveRunning || a.preDump) return null;
      teardown({ dir: c.dir, cg: c.cg, pid: c.rec.pid, pidStart: c.rec.pidStart });
      return c.rec;
    });
    if (gone) await runCommandHooks(ctx, 'poststop', gone);
    return 0;
  },
};

/** the options checkpoint and restore share */
export function withCriuOptions(y: any): any {
  return y
    .option('image-path', { type: 'string', default: './checkpoint', describe: 'directory for the criu images' })
    .option('work-path', { type: 'string', describe: 'directory for criu\'s log and work files (default: the image path)' })
    .option('tcp-established', { type: 'boolean', default: false, describe: 'allow open tcp connections' })
    .option('ext-unix-sk', { type: 'boolean', default: false, describe: 'allow external unix sockets' })
    .option('shell-job', { type: 'boolean', default: false, describe: 'allow shell jobs (a controlling terminal from outside)' })
    .option('file-locks', { type: 'boolean', default: false, describe: 'handle file locks' });
}

export function criuCommon(a: CriuFlags, imagePath: string, workPath: string, root: string, externalMounts: CriuCommon['externalMounts']): CriuCommon {
  return {
    imagePath, workPath, root, externalMounts,
    tcpEstablished: a.tcpEstablished, extUnixSk: a.extUnixSk, shellJob: a.shellJob, fileLocks: a.fileLocks,
  };
}

/** the cgroup that froze a paused container, as the cgroup manager's pause chose it: v1's freezer, else v2's */
function freezerOf(paths: CgroupPaths | null): string | undefined {
  return paths ? paths.dirs.freezer ?? paths.dirs[''] : undefined;
}

/**
 * Bind mounts come from outside the container: the dump marks each by its destination, and the
 * restore maps that mark back to the source (criu's mnt[KEY]:VAL on both sides).
 */
export function bindMounts(plan: Plan, side: 'dump' | 'restore'): CriuCommon['externalMounts'] {
  return plan.mounts
    .filter((m) => (m.flags & MS.BIND) !== 0)
    .map((m) => ({ key: m.destination, value: side === 'dump' ? m.destination : m.source }));
}
