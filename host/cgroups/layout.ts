// Where the cgroup hierarchies are mounted on this machine and where this process sits in them.
// Read from /proc/self/mountinfo and /proc/self/cgroup rather than assumed, because the mount
// point, the mount root (inside a container it is not "/") and the mode all vary between hosts.
import { readFileSync } from 'node:fs';

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

export interface Hierarchy {
  /** where it is mounted */
  mountpoint: string;
  /** the cgroup path that mountpoint shows (the 4th mountinfo field) */
  root: string;
  /** this process's cgroup path in the hierarchy, from /proc/self/cgroup */
  own: string;
}

export interface CgroupLayout {
  mode: CgroupMode;
  /** the cgroup2 hierarchy (v2, or hybrid's unified tree), null in v1 or none */
  unified: Hierarchy | null;
  /** v1 hierarchies by controller name ("memory", "cpu", "name=systemd", ...) */
  v1: Map<string, Hierarchy>;
}

interface MountLine { root: string; mountpoint: string; fstype: string; superOptions: string[] }

function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    out.push({
      root: unescapeMount(left[3]),
      mountpoint: unescapeMount(left[4]),
      fstype: right[0],
      superOptions: (right[2] ?? '').split(','),
    });
  }
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/self/cgroup: "0::/path" for v2, "4:memory,...:/path" for v1. Key "" is the unified one. */
export function parseProcCgroup(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') own.set('', m[2]);
    else for (const c of m[1].split(',')) own.set(c, m[2]);
  }
  return own;
}

export function layoutFrom(mountinfo: string, procCgroup: string): CgroupLayout {
  const own = parseProcCgroup(procCgroup);
  let unified: Hierarchy | null = null;
  const v1 = new Map<string, Hierarchy>();
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype === 'cgroup2' && !unified) {
      unified = { mountpoint: m.mountpoint, root: m.root, own: own.get('') ?? '/' };
    } else if (m.fstype === 'cgroup') {
      for (const opt of m.superOptions) {
        if (v1.has(opt) || !own.has(opt)) continue;
        v1.set(opt, { mountpoint: m.mountpoint, root: m.root, own: own.get(opt)! });
      }
    }
  }
  const mode: CgroupMode = v1.size > 0 ? (unified ? 'hybrid' : 'v1') : unified ? 'v2' : 'none';
  return { mode, unified: mode === 'v1' ? null : unified, v1 };
}

let cached: CgroupLayout | null = null;

export function cgroupLayout(): CgroupLayout {
  cached ??= layoutFrom(readText('/proc/self/mountinfo'), readText('/proc/self/cgroup'));
  return cached;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
