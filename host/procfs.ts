// Which host processes belong to a container, found two ways (decisions.psSource): by its cgroup,
// which needs cgroups the runtime could create, or by a /proc scan of its PID namespace, which
// works for any user who can see its own processes: that is what makes ps usable rootless.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** every pid in these cgroup directories and the cgroups below them, ascending and without repeats */
export function cgroupPids(dirs: string[]): number[] {
  const found = new Set<number>();
  const walk = (dir: string): void => {
    for (const line of readOr(join(dir, 'cgroup.procs')).split('\n')) if (line) found.add(Number(line));
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
  };
  for (const dir of new Set(dirs)) walk(dir);
  return [...found].sort((a, b) => a - b);
}

interface ProcEntry { pid: number; ppid: number; pidns: string | null }

/**
 * The processes of the container whose init is `init`: those in init's PID namespace (exec'd
 * processes join it without being init's children) and every descendant of those (a nested
 * container has a PID namespace of its own). When init shares the runtime's PID namespace, the
 * namespace says nothing and only descent counts.
 */
export function pidNamespacePids(init: number): number[] {
  const procs = scanProc();
  const initNs = nsOf(init);
  if (initNs === null) return [];
  const shared = initNs === nsOf(process.pid);
  const members = new Set<number>([init]);
  if (!shared) for (const p of procs) if (p.pidns === initNs) members.add(p.pid);
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const queue = [...members];
  while (queue.length) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (!members.has(child)) {
        members.add(child);
        queue.push(child);
      }
    }
  }
  const live = new Set(procs.map((p) => p.pid));
  return [...members].filter((pid) => live.has(pid)).sort((a, b) => a - b);
}

function scanProc(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readOr(`/proc/${pid}/stat`);
    const close = stat.lastIndexOf(')');
    // a process that exited during the scan has no stat; a zombie has exited too
    if (close < 0 || stat[close + 2] === 'Z') continue;
    out.push({ pid, ppid: Number(stat.slice(close + 2).split(' ')[1]), pidns: nsOf(pid) });
  }
  return out;
}

/** "pid:[4026531836]", or null when the process is gone or not ours to inspect */
function nsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
