// Turns the plan's cgroup path into one directory per hierarchy, the way runc's fs drivers do:
// an absolute path is under the hierarchy's root, a relative one under this process's own cgroup.
import { join, posix, relative } from 'node:path';
import type { PlanCgroup } from '../types.js';
import type { CgroupLayout, CgroupMode, Hierarchy } from './layout.js';

/** The container's cgroup: one directory per controller ("" = the unified cgroup2 directory). */
export interface CgroupPaths {
  mode: CgroupMode;
  dirs: Record<string, string>;
}

export function dirIn(h: Hierarchy, cgroupPath: string, isRelative: boolean): string {
  const inner = isRelative ? posix.join(h.own, cgroupPath) : posix.join('/', cgroupPath);
  // inside a cgroup namespace or a container the mount shows a subtree: strip its root
  const rel = relative(h.root, inner);
  return join(h.mountpoint, rel.startsWith('..') ? inner : rel);
}

/**
 * v1: every mounted hierarchy, as runc joins them all (so that ps, stats and kill find the
 * processes whatever the controller); hybrid: those plus the unified tree; v2: the unified tree.
 */
export function resolvePaths(layout: CgroupLayout, cg: PlanCgroup): CgroupPaths {
  const dirs: Record<string, string> = {};
  for (const [controller, h] of layout.v1) dirs[controller] = dirIn(h, cg.path, cg.relative);
  if (layout.unified) dirs[''] = dirIn(layout.unified, cg.path, cg.relative);
  return { mode: layout.mode, dirs };
}
