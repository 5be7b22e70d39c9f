// What `update` needs from a container's cgroup beyond the manager: the current value of one
// file, and applying writes whose order the kernel constrains.
import { readFileSync } from 'node:fs';
import { WruncError } from '../errors.js';
import type { PlanCgroup } from '../types.js';
import type { CgroupManager } from './manager.js';

type Write = PlanCgroup['writes'][number];

/** the trimmed content of a controller's file ("" = the unified directory), or null */
export function readResource(cg: CgroupManager, controller: string, file: string): string | null {
  const dir = cg.paths.dirs[controller];
  if (dir === undefined) return null;
  try {
    return readFileSync(`${dir}/${file}`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Applies the writes with a strict manager, each once more after the others when the kernel
 * refused it: some limits are checked against a partner's old value (v1's memory limit must stay
 * below memsw, so raising both fails in the order memory, memsw). Returns the writes that took
 * effect and the first lasting failure, if any.
 */
export function applyWrites(cg: CgroupManager, writes: Write[]): { applied: Write[]; error: WruncError | null } {
  const applied: Write[] = [];
  let refused: Write[] = [];
  let error: WruncError | null = null;
  for (const pass of [0, 1]) {
    const todo = pass === 0 ? writes : refused;
    refused = [];
    for (const w of todo) {
      try {
        cg.apply([w]);
        applied.push(w);
      } catch (e) {
        if (!(e instanceof WruncError)) throw e;
        refused.push(w);
        if (pass === 1) error ??= e;
      }
    }
  }
  return { applied, error };
}
