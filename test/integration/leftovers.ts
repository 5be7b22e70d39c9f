// What a container may leave behind after delete or a failed create: its state dir, a cgroup in
// any hierarchy, a process, a mount. Each test that removes a container asserts this is empty.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cgroupLayout } from '../../host/cgroups/layout.js';
import { resolvePaths } from '../../host/cgroups/paths.js';
import { alive } from '../../host/state.js';

export function leftovers(o: { root: string; id: string; bundle?: string; pid?: number }): string[] {
  const found: string[] = [];
  if (existsSync(`${o.root}/${o.id}`)) found.push(`state dir ${o.root}/${o.id}`);
  const layout = cgroupLayout();
  if (layout.mode !== 'none') {
    for (const dir of new Set(Object.values(resolvePaths(layout, { path: `/${o.id}`, relative: false, writes: [] }).dirs))) {
      if (existsSync(dir)) found.push(`cgroup ${dir}`);
    }
  }
  if (o.pid && alive(o.pid, null)) found.push(`process ${o.pid}`);
  if (o.bundle && readFileSync('/proc/self/mountinfo', 'utf8').includes(o.bundle)) found.push(`mount under ${o.bundle}`);
  return found;
}

/** state dirs left in a root: after a test, none */
export function stateDirs(root: string): string[] {
  return existsSync(root) ? readdirSync(root) : [];
}
