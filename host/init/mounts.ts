// The spec's mounts, in order, into the root filesystem (before pivot_root).
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { WruncError } from '../errors.js';
import { MS, errno, mount } from '../ffi.js';
import type { PlanMount } from '../types.js';
import { mountCgroup } from './cgroupfs.js';
import { doMount, remountBind, setAttrRecursive, setPropagation } from './mountops.js';
import { createTarget, resolveIn, viaFd } from './paths.js';

const EPERM = 1;
const BIND_ONLY = MS.BIND | MS.REC;

export interface MountContext {
  rootfs: string;
  /** rootfs with its own symlinks resolved, for the escape check */
  realRoot: string;
  bundle: string;
  cgroupNamespace: boolean;
}

export function mountAll(mounts: PlanMount[], ctx: MountContext): void {
  for (const m of mounts) mountOne(m, ctx);
}

function mountOne(m: PlanMount, ctx: MountContext): void {
  const pointer = `/mounts/${m.index}/destination`;
  const dest = resolveIn(ctx.rootfs, m.destination, pointer);
  if (m.type === 'cgroup' || m.type === 'cgroup2') {
    createTarget(dest, false);
    // only the check: the cgroup layout is built below dest by path, on top of the new tmpfs
    viaFd(ctx.realRoot, dest, pointer, () => undefined);
    mountCgroup(m, dest, ctx.cgroupNamespace, pointer);
    return;
  }
  const bind = (m.flags & MS.BIND) !== 0;
  if (bind) {
    const source = isAbsolute(m.source) ? m.source : join(ctx.bundle, m.source);
    const st = statSync(source, { throwIfNoEntry: false });
    if (!st) throw new WruncError('mount.source', `bind source ${source} does not exist`, `/mounts/${m.index}/source`);
    createTarget(dest, !st.isDirectory());
    viaFd(ctx.realRoot, dest, pointer, (t) => doMount(source, t, null, m.flags & BIND_ONLY, null, pointer, `bind ${source} on ${m.destination}`));
    if (m.flags & ~BIND_ONLY) remountBind(dest, m.flags & ~BIND_ONLY, pointer);
  } else {
    createTarget(dest, false);
    viaFd(ctx.realRoot, dest, pointer, (t) => {
      if (mount(m.source, t, m.type, m.flags, m.data || null) === 0) return;
      // sysfs needs a network namespace owned by our user namespace; runc binds the host's then
      if (m.type !== 'sysfs' || errno() !== EPERM) doMount(m.source, t, m.type, m.flags, m.data, pointer, `mount ${m.type} on ${m.destination}`);
      doMount('/sys', t, null, BIND_ONLY, null, pointer, `bind /sys on ${m.destination}`);
      remountBind(dest, m.flags, pointer);
    });
  }
  for (const p of m.propagation) setPropagation(dest, p, pointer);
  if (m.attrSet || m.attrClr) setAttrRecursive(dest, m.attrSet, m.attrClr, pointer);
}
