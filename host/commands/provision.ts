// What create and restore share before and after their container process exists: the decision
// for the bundle, the state directory (locked) with the cgroup, and the record for state.json.
// Only how the process comes to be differs: spawned fresh, or restored by CRIU.
import { resolve } from 'node:path';
import { managerFor, pathsFor, type CgroupManager, type CgroupPaths } from '../cgroups/index.js';
import { createStateDir, lockContainer, procStartTime, type ContainerRecord } from '../state.js';
import type { Decisions, Plan } from '../types.js';
import { decideFor, readBundle, type Bundle, type Ctx } from './context.js';
import { teardown } from './teardown.js';

export interface Provisioned {
  bundle: Bundle;
  plan: Plan;
  decisions: Decisions;
  dir: string;
  paths: CgroupPaths | null;
  cg: CgroupManager | null;
  /** the container's lock, held from the state directory's creation */
  release(): void;
}

/** command: the fact the core decides for; on failure nothing made here is left */
export function provision(ctx: Ctx, id: string, bundleDir: string | undefined, command: string): Provisioned {
  const bundle = readBundle(bundleDir);
  const result = decideFor(ctx, command, { id, config: bundle.config });
  const { decisions } = result;
  // a config was given, so an ok result carries its plan
  const plan = result.plan!;
  const dir = createStateDir(decisions.stateRoot.value, id);
  const release = lockContainer(dir, id);
  let cg: CgroupManager | null = null;
  try {
    const paths = decisions.cgroupManager.value === 'none' ? null : pathsFor(plan.cgroup);
    cg = paths && managerFor(decisions.cgroupManager.value, paths, (m) => ctx.log.warn(m), (m) => ctx.log.debug(m));
    cg?.create();
    cg?.apply(plan.cgroup.writes);
    return { bundle, plan, decisions, dir, paths, cg, release };
  } catch (e) {
    teardown({ dir, cg, pid: 0, pidStart: null });
    throw e;
  }
}

/** the state.json record of a provisioned container whose init is pid */
export function recordOf(id: string, p: Provisioned, pid: number): ContainerRecord {
  return {
    id,
    pid,
    pidStart: procStartTime(pid) ?? '',
    bundle: p.bundle.dir,
    rootfs: resolve(p.bundle.dir, p.plan.root.path),
    created: new Date().toISOString(),
    owner: process.geteuid!(),
    annotations: Object.fromEntries(p.plan.annotations.map((x) => [x.key, x.value])),
    plan: p.plan,
    decisions: p.decisions,
    cgroup: p.paths,
    config: Buffer.from(p.bundle.config).toString('utf8'),
  };
}
