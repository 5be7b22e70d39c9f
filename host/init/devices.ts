// /dev inside the root filesystem (before pivot_root): the plan's device nodes, the standard
// symlinks and /dev/ptmx. Where mknod is not permitted (a user namespace), the host's node of the
// same path is bind-mounted instead, as runc does. Skipped when /dev is a bind mount: then it is
// someone else's directory.
import { chownSync, existsSync, lstatSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WruncError } from '../errors.js';
import { MS, check, errno, mknod } from '../ffi.js';
import type { Plan, PlanDevice } from '../types.js';
import { doMount } from './mountops.js';
import { createTarget, resolveIn } from './paths.js';

const EPERM = 1;
const EEXIST = 17;
const TYPE_BITS: Record<PlanDevice['type'], number> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };
const LINKS: [string, string][] = [['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr']];

export function setupDev(plan: Plan, rootfs: string): void {
  if (plan.mounts.some((m) => m.destination === '/dev' && m.flags & MS.BIND)) return;
  plan.devices.forEach((d, i) => createDevice(d, rootfs, i));
  const dev = resolveIn(rootfs, '/dev', '/mounts');
  for (const [target, name] of LINKS) link(target, join(dev, name));
  if (existsSync('/proc/kcore')) link('/proc/kcore', join(dev, 'core'));
  // the container's ptys come from its own devpts instance
  rmSync(join(dev, 'ptmx'), { force: true });
  link('pts/ptmx', join(dev, 'ptmx'));
}

function createDevice(d: PlanDevice, rootfs: string, i: number): void {
  const pointer = `/linux/devices/${i}`;
  const path = resolveIn(rootfs, d.path, pointer);
  createTarget(dirname(path), false);
  if (mknod(path, TYPE_BITS[d.type] | (d.fileMode & 0o7777), makedev(d.major, d.minor)) === 0) {
    chownSync(path, d.uid, d.gid);
    return;
  }
  if (errno() === EEXIST) return;
  if (errno() !== EPERM) check(-1, 'device.create', `mknod ${d.path}`, pointer);
  if (!existsSync(d.path)) throw new WruncError('device.create', `mknod ${d.path} is not permitted here and the host has no ${d.path} to bind`, pointer);
  createTarget(path, true);
  doMount(d.path, path, null, MS.BIND, null, pointer, `bind ${d.path}`);
}

function link(target: string, path: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })) return;
  symlinkSync(target, path);
}

/** glibc's makedev() */
function makedev(major: number, minor: number): bigint {
  return BigInt(minor & 0xff) | (BigInt(major & 0xfff) << 8n) | (BigInt(minor >>> 8) << 20n) | (BigInt(major >>> 12) << 44n);
}
