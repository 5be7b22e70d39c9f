// The writability fact: can this process create a cgroup where the container's would go? Tried
// for real (one mkdir and rmdir next to it), because permissions, delegation, read-only mounts
// and user namespaces all decide the answer and none of them is reliable to compute.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CgroupLayout } from './layout.js';
import { dirIn } from './paths.js';

/** cgroupPath as config.json gives it (relative when it lacks the leading "/") */
export function probeWritable(layout: CgroupLayout, cgroupPath: string): boolean {
  const h = layout.mode === 'v2' ? layout.unified : (layout.v1.get('memory') ?? layout.v1.get('pids') ?? [...layout.v1.values()][0]);
  if (!h) return false;
  let parent = dirname(dirIn(h, cgroupPath, !cgroupPath.startsWith('/')));
  while (!existsSync(parent) && parent !== h.mountpoint && parent !== '/') parent = dirname(parent);
  const probe = `${parent}/.wrunc-probe-${process.pid}`;
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}
