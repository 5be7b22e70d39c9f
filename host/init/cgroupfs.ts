// A "cgroup" mount. cgroup v2 (host /sys/fs/cgroup is cgroup2): the unified hierarchy alone. v1
// and hybrid: a tmpfs with one directory per host hierarchy, as runc lays it out. With a cgroup
// namespace each hierarchy is mounted fresh (the namespace makes the container's cgroup its root);
// without one, the container's own cgroup directory is bind-mounted, so it never sees the host's
// tree. Read-only and the other flags apply to every piece.
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MS } from '../ffi.js';
import type { PlanMount } from '../types.js';
import { doMount, remountBind } from './mountops.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

interface Hierarchy { mountPoint: string; root: string; type: 'cgroup' | 'cgroup2'; options: string }

export function mountCgroup(m: PlanMount, dest: string, cgroupNamespace: boolean, pointer: string): void {
  const hierarchies = hostHierarchies();
  const unifiedOnly = hierarchies.length === 1 && hierarchies[0].mountPoint === CGROUP_ROOT && hierarchies[0].type === 'cgroup2';
  if (unifiedOnly) {
    mountHierarchy(hierarchies[0], dest, m.flags, cgroupNamespace, pointer);
    return;
  }
  doMount('tmpfs', dest, 'tmpfs', m.flags & ~MS.RDONLY, 'mode=755', pointer, `mount tmpfs for cgroups on ${m.destination}`);
  const own = ownCgroups();
  for (const h of hierarchies) {
    const name = basename(h.mountPoint);
    const dir = join(dest, name);
    mkdirSync(dir, { recursive: true });
    mountHierarchy(h, dir, m.flags, cgroupNamespace, pointer, own);
    // co-mounted controllers ("cpu,cpuacct") are also reachable by each name, as on the host
    if (name.includes(',')) for (const alias of name.split(',')) symlinkSync(name, join(dest, alias));
  }
  if (m.flags & MS.RDONLY) remountBind(dest, m.flags & ~MS.BIND, pointer);
}

function mountHierarchy(h: Hierarchy, dir: string, flags: number, cgroupNamespace: boolean, pointer: string, own = ownCgroups()): void {
  const rest = flags & ~MS.BIND & ~MS.REC;
  const found = ownEntry(h, own);
  if (!found) return; // a hierarchy this process is not in (nothing of the container's to show)
  const [controllers, path] = found;
  if (cgroupNamespace) {
    doMount(h.type, dir, h.type, rest, controllers || null, pointer, `mount ${h.type} ${controllers} on ${dir}`);
    return;
  }
  const source = join(h.mountPoint, relativeTo(h.root, path));
  doMount(source, dir, null, MS.BIND, null, pointer, `bind ${source} on ${dir}`);
  remountBind(dir, rest, pointer);
}

/** this process's line of /proc/self/cgroup for hierarchy h: [controllers, path] */
function ownEntry(h: Hierarchy, own: Map<string, string>): [string, string] | undefined {
  if (h.type === 'cgroup2') return own.has('') ? ['', own.get('')!] : undefined;
  const options = new Set(h.options.split(','));
  for (const [controllers, path] of own) {
    if (controllers && controllers.split(',').every((c) => options.has(c))) return [controllers, path];
  }
  return undefined;
}

/** cgroup mounts under /sys/fs/cgroup, from this process's mountinfo (still the host's view) */
function hostHierarchies(): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0) continue;
    const type = f[sep + 1];
    if ((type !== 'cgroup' && type !== 'cgroup2') || !(f[4] === CGROUP_ROOT || f[4].startsWith(`${CGROUP_ROOT}/`))) continue;
    out.push({ mountPoint: f[4], root: f[3], type, options: f[sep + 3] ?? '' });
  }
  return out;
}

/** controllers (comma-joined; "" for v2) -> this process's cgroup path */
function ownCgroups(): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

function relativeTo(root: string, path: string): string {
  if (root === '/') return path;
  return path === root || path.startsWith(`${root}/`) ? path.slice(root.length) || '/' : path;
}
