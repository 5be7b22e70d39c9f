// What a test container prints about itself, and a parser for it. The container runs busybox sh;
// every section starts with a line "==NAME" so that the tests can assert on each one.
export const PROBE_SCRIPT = [
  'echo ==uid_map; cat /proc/self/uid_map',
  'echo ==gid_map; cat /proc/self/gid_map',
  'echo ==setgroups; cat /proc/self/setgroups',
  'echo ==id; id',
  'echo ==status; grep -E "^(Uid|Gid|Groups):" /proc/self/status',
  'echo ==cgroup; cat /proc/self/cgroup',
  'echo ==memory.limit; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1 || cat /sys/fs/cgroup/memory.max 2>&1',
  'echo ==pids.max; cat /sys/fs/cgroup/pids/pids.max 2>&1 || cat /sys/fs/cgroup/pids.max 2>&1',
  'echo ==devpts; grep " - devpts " /proc/self/mountinfo',
  'echo ==end',
].join('; ');

export const PROBE_ARGS = ['sh', '-c', PROBE_SCRIPT];

export type Probe = Record<string, string>;

/** sections of a probe's output, each trimmed; throws when the container did not get to the end */
export function parseProbe(stdout: string): Probe {
  const out: Probe = {};
  let cur: string | null = null;
  for (const line of stdout.split('\n')) {
    const m = /^==(\S+)$/.exec(line);
    if (m) {
      cur = m[1];
      out[cur] = '';
    } else if (cur) {
      out[cur] += line + '\n';
    }
  }
  for (const k of Object.keys(out)) out[k] = out[k].trim();
  return out;
}

/** "0 4711 1\n1 200000 65536" -> [[0,4711,1],[1,200000,65536]] */
export function mapLines(text: string): number[][] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(/\s+/).map(Number));
}
