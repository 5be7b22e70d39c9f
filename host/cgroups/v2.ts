// cgroup v2 specifics. A controller's files appear in a cgroup only when every ancestor enables it
// in cgroup.subtree_control, so enable what each ancestor offers, from the top down, as runc does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function enableControllers(leaf: string): void {
  const ancestors: string[] = [];
  for (let d = dirname(leaf); existsSync(`${d}/cgroup.controllers`); d = dirname(d)) {
    ancestors.unshift(d);
    if (d === '/') break;
  }
  for (const dir of ancestors) {
    const available = readFileSync(`${dir}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const c of available) {
      try {
        writeFileSync(`${dir}/cgroup.subtree_control`, `+${c}`);
      } catch {
        // EBUSY: the ancestor holds processes itself (the no-internal-process rule); its
        // controller then stays off for the container, as with runc
      }
    }
  }
}
