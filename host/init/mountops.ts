// The mount(2) primitives the init stage builds on, each failing as a WruncError.
import { AT_FDCWD, AT_RECURSIVE, MS, check, errno, mount, mountSetattr, statfs } from '../ffi.js';

const EPERM = 1;

export function doMount(source: string | null, target: string, type: string | null, flags: number, data: string | null, pointer: string, what = `mount ${type ?? source} on ${target}`): void {
  check(mount(source, target, type, flags, data || null), 'mount.failed', what, pointer);
}

/**
 * Remounts a bind mount with `flags`. In a user namespace the kernel refuses to clear flags that
 * the mount inherited from a more privileged one (nosuid, nodev, noexec, atime): keep those.
 */
export function remountBind(target: string, flags: number, pointer: string): void {
  const want = flags | MS.BIND | MS.REMOUNT;
  if (mount(null, target, null, want, null) === 0) return;
  if (errno() !== EPERM) check(-1, 'mount.failed', `remount ${target}`, pointer);
  doMount(null, target, null, want | lockedFlags(target), null, pointer, `remount ${target}`);
}

export function setPropagation(target: string, flag: number, pointer: string): void {
  doMount(null, target, null, flag, null, pointer, `set propagation of ${target}`);
}

/** mount_setattr(AT_RECURSIVE): the recursive attributes (rro, rnosuid, ...) */
export function setAttrRecursive(target: string, set: number, clr: number, pointer: string): void {
  const attr = Buffer.alloc(32); // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
  attr.writeBigUInt64LE(BigInt(set), 0);
  attr.writeBigUInt64LE(BigInt(clr), 8);
  check(mountSetattr(AT_FDCWD, target, AT_RECURSIVE, attr), 'mount.failed', `mount_setattr ${target}`, pointer);
}

function lockedFlags(target: string): number {
  const buf = Buffer.alloc(120); // struct statfs on 64-bit Linux; f_flags at offset 80
  if (statfs(target, buf) < 0) return 0;
  const st = Number(buf.readBigUInt64LE(80));
  const ST_RELATIME = 0x1000;
  return (st & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME)) | (st & ST_RELATIME ? MS.RELATIME : 0);
}
