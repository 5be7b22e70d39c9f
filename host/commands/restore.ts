// `wrunc restore`: a container from checkpoint images. The state directory and cgroup come from
// the bundle as create makes them (provision.ts); CRIU, not the trampoline, makes the process.
// CRIU needs its --root to be a mount point (it pivots into it), so the rootfs is bound onto
// criu-root in the state directory for the restore and unmounted after. Any failure removes the
// state directory and cgroup before the error prints.
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupLayout } from '../cgroups/layout.js';
import type { CgroupPaths } from '../cgroups/index.js';
import { logPath, restoreArgs, runCriu } from '../criu.js';
import { WruncError } from '../errors.js';
import { check, mount, MNT_DETACH, MS, prctl, umount2 } from '../ffi.js';
import { alive, procStat, validateId, writePidFile, writeState } from '../state.js';
import { bindMounts, criuCommon, withCriuOptions, type CriuFlags } from './checkpoint.js';
import type { CommandDef, Ctx } from './context.js';
import { runCommandHooks } from './hooks.js';
import { provision, recordOf } from './provision.js';
import { teardown, teardownLocked } from './teardown.js';

interface RestoreArgs extends CriuFlags {
  id: string;
  bundle?: string;
  detach: boolean;
  pidFile?: string;
}

// prctl: orphans below us come to us, not to init, so the restored process's exit status stays readable
const PR_SET_CHILD_SUBREAPER = 36;
const CRIU_ROOT = 'criu-root';
const CRIU_PID = 'criu.pid';

export const restore: CommandDef = {
  command: 'restore <container-id>',
  describe: 'restore a container from a checkpoint (root, and criu check must pass)',
  builder: (y) => withCriuOptions(y)
    .positional('container-id', { type: 'string', describe: 'the id for the restored container' })
    .option('bundle', { alias: 'b', type: 'string', describe: 'bundle directory holding config.json (default: the current directory)' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once restored instead of waiting for the container' })
    .option('pid-file', { type: 'string', describe: 'write the restored process\'s pid to this file' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'accepted for runc compatibility: criu switches to the root itself' }),
  async run(ctx, a: RestoreArgs) {
    validateId(a.id);
    const imagePath = resolve(a.imagePath);
    const workPath = resolve(a.workPath ?? imagePath);
    // before anything is made: without images there is nothing to restore
    if (!existsSync(join(imagePath, 'inventory.img'))) {
      throw new WruncError('restore.no-images', `${imagePath} holds no checkpoint (no inventory.img); give --image-path where wrunc checkpoint wrote it`);
    }
    const p = provision(ctx, a.id, a.bundle, 'restore');
    let pid = 0;
    try {
      if (!a.detach) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
      pid = restoreWithCriu(a, p.dir, {
        imagePath, workPath, rootfs: resolve(p.bundle.dir, p.plan.root.path),
        externalMounts: bindMounts(p.plan, 'restore'), cgroupRoot: cgroupRootOf(p.paths),
      });
      const rec = recordOf(a.id, p, pid);
      writeState(p.dir, rec);
      if (a.pidFile) writePidFile(resolve(a.pidFile), pid);
      p.release();
      if (a.detach) return 0;
      const status = await exitOf(ctx, pid, rec.pidStart);
      teardownLocked(a.id, { dir: p.dir, cg: p.cg, pid, pidStart: rec.pidStart });
      await runCommandHooks(ctx, 'poststop', rec);
      return status;
    } catch (e) {
      teardown({ dir: p.dir, cg: p.cg, pid, pidStart: null });
      throw e;
    }
  },
};

interface Where { imagePath: string; workPath: string; rootfs: string; externalMounts: ReturnType<typeof bindMounts>; cgroupRoot?: string }

/** criu restore with the rootfs bound as its root; the restored init's pid */
function restoreWithCriu(a: RestoreArgs, dir: string, w: Where): number {
  const root = join(dir, CRIU_ROOT);
  const pidFile = join(dir, CRIU_PID);
  mkdirSync(root);
  try {
    check(mount(w.rootfs, root, null, MS.BIND | MS.REC, null), 'restore.root', `cannot bind the rootfs ${w.rootfs} to ${root}`);
    try {
      runCriu('restore', restoreArgs({ ...criuCommon(a, w.imagePath, w.workPath, root, w.externalMounts), pidFile, cgroupRoot: w.cgroupRoot }), w.workPath);
    } finally {
      umount2(root, MNT_DETACH);
    }
  } finally {
    rmdirSync(root);
  }
  const pid = Number(readOr(pidFile).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new WruncError('criu.restore', `criu restore succeeded but wrote no pid to ${pidFile}; see ${logPath(w.workPath, 'restore')}`);
  rmSync(pidFile);
  return pid;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * criu --cgroup-root: the container's cgroup as a path from its hierarchy's root (cgroup2's when
 * there is one), so the restored processes land in the cgroup provision made, not the dumped one.
 */
function cgroupRootOf(paths: CgroupPaths | null): string | undefined {
  if (!paths) return undefined;
  const layout = cgroupLayout();
  const [controller, h] = layout.unified ? ['', layout.unified] as const : [...layout.v1][0] ?? [];
  const dir = controller === undefined ? undefined : paths.dirs[controller];
  return h && dir ? posix.join(h.root, relative(h.mountpoint, dir)) : undefined;
}

/**
 * Waits for the restored init to exit; as the subreaper, wrunc inherits it when criu detaches and
 * never reaps it, so its zombie still holds the wait status (/proc/PID/stat field 52).
 */
async function exitOf(ctx: Ctx, pid: number, pidStart: string): Promise<number> {
  while (alive(pid, pidStart)) await sleep(50);
  const stat = procStat(pid);
  // reaped by someone else after all, perhaps with the pid reused since
  if (!stat || stat[19] !== pidStart) {
    ctx.log.warn(`the exit status of the restored container (pid ${pid}) is not available`);
    return 255;
  }
  const st = Number(stat[49]);
  return (st & 0x7f) === 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f);
}
