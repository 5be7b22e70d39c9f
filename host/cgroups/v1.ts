// cgroup v1 specifics. A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and
// the kernel refuses to move a process into it (ENOSPC) until both are filled: copy the parent's.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) fill(dir, file);
}

function fill(dir: string, file: string): string {
  const own = readFileSync(`${dir}/${file}`, 'utf8').trim();
  if (own !== '') return own;
  const value = fill(dirname(dir), file);
  writeFileSync(`${dir}/${file}`, value);
  return value;
}
