// The cgroup manager the core chose (decisions.cgroupManager), for a new container or from the
// paths a container's state recorded.
import { WruncError } from '../errors.js';
import type { Decisions, PlanCgroup } from '../types.js';
import { cgroupLayout } from './layout.js';
import { CgroupManager, type Warn } from './manager.js';
import { resolvePaths, type CgroupPaths } from './paths.js';

export type { CgroupPaths } from './paths.js';
export { CgroupManager } from './manager.js';

/** null when the core chose no cgroups ("none") */
export function managerFor(kind: Decisions['cgroupManager']['value'], paths: CgroupPaths, warn: Warn, debug?: Warn): CgroupManager | null {
  if (kind === 'none') return null;
  if (kind === 'systemd') {
    throw new WruncError('cgroup.systemd-unsupported', 'the systemd cgroup driver is not implemented yet; drop --systemd-cgroup to use the fs driver');
  }
  return new CgroupManager(paths, kind === 'rootless-fs', warn, debug);
}

export function pathsFor(cg: PlanCgroup): CgroupPaths {
  return resolvePaths(cgroupLayout(), cg);
}
