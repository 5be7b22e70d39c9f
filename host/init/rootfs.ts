// The root filesystem: propagation of "/", the rootfs bind, switching root (pivot_root, or
// MS_MOVE + chroot with --no-pivot), then, inside, masked paths, read-only paths and a read-only
// root. Everything happens in the container's mount namespace; the host's mounts are not touched.
import { closeSync, constants, openSync, statSync } from 'node:fs';
import { MNT_DETACH, MS, check, chroot, fchdir, pivotRoot, umount2 } from '../ffi.js';
import type { Plan } from '../types.js';
import { doMount, remountBind, setPropagation } from './mountops.js';

const DEFAULT_PROPAGATION = MS.SLAVE | MS.REC;

/** "/" stops propagating to the host (shared is set again after the switch), and the rootfs becomes a mount */
export function prepareRoot(plan: Plan, rootfs: string): void {
  const wanted = plan.rootfsPropagation;
  setPropagation('/', wanted && !(wanted & MS.SHARED) ? wanted : DEFAULT_PROPAGATION, '/linux/rootfsPropagation');
  doMount(rootfs, rootfs, null, MS.BIND | MS.REC, null, '/root/path', `bind the root filesystem ${rootfs}`);
}

export function switchRoot(plan: Plan, rootfs: string, noPivot: boolean): void {
  if (noPivot) {
    process.chdir(rootfs);
    doMount(rootfs, '/', null, MS.MOVE, null, '/root/path', 'move the root filesystem to /');
    check(chroot('.'), 'rootfs.switch', 'chroot', '/root/path');
  } else {
    pivot(rootfs);
  }
  process.chdir('/');
  if (plan.rootfsPropagation & MS.SHARED) setPropagation('/', plan.rootfsPropagation, '/linux/rootfsPropagation');
}

/** pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new */
function pivot(rootfs: string): void {
  const oldRoot = openSync('/', constants.O_DIRECTORY | constants.O_RDONLY);
  const newRoot = openSync(rootfs, constants.O_DIRECTORY | constants.O_RDONLY);
  try {
    check(fchdir(newRoot), 'rootfs.switch', `chdir ${rootfs}`, '/root/path');
    check(pivotRoot('.', '.'), 'rootfs.switch', `pivot_root ${rootfs}`, '/root/path');
    check(fchdir(oldRoot), 'rootfs.switch', 'chdir to the old root', '/root/path');
    // the old root must not propagate its unmount to the host
    setPropagation('.', MS.SLAVE | MS.REC, '/root/path');
    check(umount2('.', MNT_DETACH), 'rootfs.switch', 'detach the old root', '/root/path');
  } finally {
    closeSync(oldRoot);
    closeSync(newRoot);
  }
}

/** maskedPaths: /dev/null over files, an empty read-only tmpfs over directories; missing ones are skipped */
export function maskPaths(paths: string[]): void {
  paths.forEach((p, i) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    const pointer = `/linux/maskedPaths/${i}`;
    if (st.isDirectory()) doMount('tmpfs', p, 'tmpfs', MS.RDONLY, null, pointer, `mask ${p}`);
    else doMount('/dev/null', p, null, MS.BIND, null, pointer, `mask ${p}`);
  });
}

/** readonlyPaths: a read-only bind of each path onto itself; missing ones are skipped */
export function readonlyPaths(paths: string[]): void {
  paths.forEach((p, i) => {
    if (!statSync(p, { throwIfNoEntry: false })) return;
    const pointer = `/linux/readonlyPaths/${i}`;
    doMount(p, p, null, MS.BIND | MS.REC, null, pointer, `bind ${p} read-only`);
    remountBind(p, MS.RDONLY | MS.REC, pointer);
  });
}

export function readonlyRoot(): void {
  remountBind('/', MS.RDONLY, '/root/readonly');
}
