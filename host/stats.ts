// A container's cgroup statistics in the JSON shape of runc 1.1's `events` (types/events.go), read
// from cgroup v1 files (v1 and hybrid) or the unified v2 files. Values are bigints: limits such as
// 9223372036854771712 exceed what a JS number holds exactly, and tools compare them byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import type { CgroupPaths } from './cgroups/paths.js';

type Json = bigint | number | string | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const NS_PER_SEC = 1_000_000_000n;
/** USER_HZ, the unit of cpuacct.stat; 100 on every Linux ABI */
const CLOCK_TICKS = 100n;
const MAX_U64 = 18446744073709551615n;

/** runc's types.Stats for this cgroup */
export function readStats(paths: CgroupPaths): Obj {
  return paths.mode === 'v2' ? v2Stats(paths.dirs[''] ?? '') : v1Stats(paths.dirs);
}

/**
 * How many times the kernel's OOM killer has acted in the cgroup, or null without a memory
 * controller. runc waits on an eventfd (v1) or inotify (v2); a counter read on a timer sees the
 * same events without either.
 */
export function oomKills(paths: CgroupPaths): bigint | null {
  const text = paths.mode === 'v2' ? read(paths.dirs[''], 'memory.events') : read(paths.dirs.memory, 'memory.oom_control');
  return text === null ? null : (keyed(text).oom_kill ?? 0n);
}

/** Go's encoding/json output for an event: compact, bigints as plain digits */
export function eventLine(type: 'stats' | 'oom', id: string, data?: Obj): string {
  return `${encode({ type, id, ...(data ? { data } : {}) })}\n`;
}

function encode(v: Json): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(encode).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${encode(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

// --- cgroup v1 ---

function v1Stats(d: Record<string, string>): Obj {
  const raw = keyed(read(d.memory, 'memory.stat') ?? '');
  const acct = d.cpuacct;
  const all = usageAll(read(acct, 'cpuacct.usage_all'));
  const ticks = keyed(read(acct, 'cpuacct.stat') ?? '');
  const throttle = keyed(read(d.cpu, 'cpu.stat') ?? '');
  return {
    cpu: {
      usage: usage({
        total: num(read(acct, 'cpuacct.usage')),
        percpu: (read(acct, 'cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map(BigInt),
        percpuKernel: all.map((c) => c.system),
        percpuUser: all.map((c) => c.user),
        kernel: ((ticks.system ?? 0n) * NS_PER_SEC) / CLOCK_TICKS,
        user: ((ticks.user ?? 0n) * NS_PER_SEC) / CLOCK_TICKS,
      }),
      throttling: throttling(throttle.nr_periods, throttle.nr_throttled, throttle.throttled_time),
    },
    cpuset: cpusetStats(d.cpuset),
    memory: {
      ...omit0({ cache: raw.cache ?? 0n }),
      usage: v1Memory(d.memory, 'memory'),
      swap: v1Memory(d.memory, 'memory.memsw'),
      kernel: v1Memory(d.memory, 'memory.kmem'),
      kernelTCP: v1Memory(d.memory, 'memory.kmem.tcp'),
      ...(Object.keys(raw).length ? { raw: sorted(raw) } : {}),
    },
    pids: pids(read(d.pids, 'pids.current'), read(d.pids, 'pids.max')),
    blkio: v1Blkio(d.blkio),
    hugetlb: hugetlb(d.hugetlb, 'usage_in_bytes', (size) => ({
      usage: num(read(d.hugetlb, `hugetlb.${size}.usage_in_bytes`)),
      max: num(read(d.hugetlb, `hugetlb.${size}.max_usage_in_bytes`)),
      failcnt: num(read(d.hugetlb, `hugetlb.${size}.failcnt`)),
    })),
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** cpuacct.usage_all: a header, then "cpu user system" per CPU, in nanoseconds */
function usageAll(text: string | null): { user: bigint; system: bigint }[] {
  return (text ?? '').split('\n').slice(1).filter(Boolean).map((l) => {
    const [, user, system] = l.trim().split(/\s+/);
    return { user: BigInt(user), system: BigInt(system) };
  });
}

function v1Memory(dir: string | undefined, prefix: string): Obj {
  return entry({
    limit: num(read(dir, `${prefix}.limit_in_bytes`)),
    usage: num(read(dir, `${prefix}.usage_in_bytes`)),
    max: num(read(dir, `${prefix}.max_usage_in_bytes`)),
    failcnt: num(read(dir, `${prefix}.failcnt`)),
  });
}

const CPUSET_FLAGS = ['mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab',
  'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level'];

/** types.CPUSet, in its field order; without a directory every field is empty */
function cpusetStats(dir: string | undefined): Obj {
  const cpus = cpuList(read(dir, 'cpuset.cpus'));
  const mems = cpuList(read(dir, 'cpuset.mems'));
  return {
    ...(cpus.length ? { cpus } : {}),
    cpu_exclusive: num(read(dir, 'cpuset.cpu_exclusive')),
    ...(mems.length ? { mems } : {}),
    ...Object.fromEntries(CPUSET_FLAGS.map((key) => [key, num(read(dir, `cpuset.${key}`))])),
  };
}

/** "0-3,8" → [0, 1, 2, 3, 8] */
function cpuList(text: string | null): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [lo, hi] = part.split('-').map(Number);
    for (let i = lo; i <= (hi ?? lo); i++) out.push(i);
  }
  return out;
}

// runc's order and names; the CFQ files are empty or absent on modern kernels, and then the
// throttle files (which count every request) fill the first two as runc does
const BLKIO_FILES: [string, string][] = [
  ['ioServiceBytesRecursive', 'io_service_bytes_recursive'],
  ['ioServicedRecursive', 'io_serviced_recursive'],
  ['ioQueueRecursive', 'io_queued_recursive'],
  ['ioServiceTimeRecursive', 'io_service_time_recursive'],
  ['ioWaitTimeRecursive', 'io_wait_time_recursive'],
  ['ioMergedRecursive', 'io_merged_recursive'],
  ['ioTimeRecursive', 'time_recursive'],
  ['sectorsRecursive', 'sectors_recursive'],
];

function v1Blkio(dir: string | undefined): Obj {
  const out: Obj = {};
  const cfq = blkioEntries(read(dir, 'blkio.io_serviced_recursive')).length > 0;
  for (const [key, file] of BLKIO_FILES) {
    const name = cfq ? `blkio.${file}` : `blkio.throttle.${file}`;
    if (!cfq && key !== 'ioServiceBytesRecursive' && key !== 'ioServicedRecursive') continue;
    const entries = blkioEntries(read(dir, name));
    if (entries.length) out[key] = entries;
  }
  return out;
}

/** "8:0 Read 4096" or "8:0 4096" lines; "Total" lines are runc's to drop too */
function blkioEntries(text: string | null): Obj[] {
  const out: Obj[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev || f.length < 2) continue;
    out.push(omit0({ major: BigInt(dev[1]), minor: BigInt(dev[2]), op: f.length > 2 ? f[1] : '', value: BigInt(f[f.length - 1]) }));
  }
  return out;
}

// --- cgroup v2 ---

function v2Stats(dir: string): Obj {
  const cpu = keyed(read(dir, 'cpu.stat') ?? '');
  const raw = keyed(read(dir, 'memory.stat') ?? '');
  const memEvents = keyed(read(dir, 'memory.events') ?? '');
  const usageNow = num(read(dir, 'memory.current'));
  const limit = limitOf(read(dir, 'memory.max'));
  const swapLimit = limitOf(read(dir, 'memory.swap.max'));
  const hasSwap = read(dir, 'memory.swap.current') !== null;
  return {
    cpu: {
      usage: usage({
        total: (cpu.usage_usec ?? 0n) * 1000n,
        percpu: [],
        percpuKernel: [],
        percpuUser: [],
        kernel: (cpu.system_usec ?? 0n) * 1000n,
        user: (cpu.user_usec ?? 0n) * 1000n,
      }),
      throttling: throttling(cpu.nr_periods, cpu.nr_throttled, cpu.throttled_usec === undefined ? undefined : cpu.throttled_usec * 1000n),
    },
    // runc 1.1 reports no cpuset statistics on v2
    cpuset: cpusetStats(undefined),
    memory: {
      ...omit0({ cache: raw.file ?? 0n }),
      usage: entry({ limit, usage: usageNow, max: 0n, failcnt: memEvents.max ?? 0n }),
      // as runc: v1 compatibility, swap is reported as memory plus swap
      swap: hasSwap
        ? entry({ limit: swapLimit === MAX_U64 ? swapLimit : swapLimit + limit, usage: num(read(dir, 'memory.swap.current')) + usageNow, max: 0n, failcnt: 0n })
        : entry({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n }),
      kernel: entry({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n }),
      kernelTCP: entry({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n }),
      ...(Object.keys(raw).length ? { raw: sorted(raw) } : {}),
    },
    pids: pids(read(dir, 'pids.current') ?? String(procsCount(dir)), read(dir, 'pids.max')),
    blkio: v2Io(read(dir, 'io.stat')),
    hugetlb: hugetlb(dir, 'current', (size) => ({
      usage: num(read(dir, `hugetlb.${size}.current`)),
      max: num(read(dir, `hugetlb.${size}.max`)),
      failcnt: keyed(read(dir, `hugetlb.${size}.events`) ?? '').max ?? 0n,
    })),
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** "max" is v2's unlimited; runc reports it as the largest u64 */
function limitOf(text: string | null): bigint {
  if (text === null) return 0n;
  return text.trim() === 'max' ? MAX_U64 : num(text);
}

function procsCount(dir: string): number {
  return (read(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean).length;
}

/** io.stat: "8:0 rbytes=N wbytes=N rios=N wios=N ..." per device */
function v2Io(text: string | null): Obj {
  const bytes: Obj[] = [];
  const ios: Obj[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const v = Object.fromEntries(kv.map((p) => p.split('=')));
    const add = (to: Obj[], op: string, value: string | undefined) => {
      if (value !== undefined) to.push(omit0({ major: BigInt(m[1]), minor: BigInt(m[2]), op, value: BigInt(value) }));
    };
    add(bytes, 'Read', v.rbytes);
    add(bytes, 'Write', v.wbytes);
    add(ios, 'Read', v.rios);
    add(ios, 'Write', v.wios);
  }
  return { ...(bytes.length ? { ioServiceBytesRecursive: bytes } : {}), ...(ios.length ? { ioServicedRecursive: ios } : {}) };
}

// --- shared shapes ---

function usage(u: { total: bigint; percpu: bigint[]; percpuKernel: bigint[]; percpuUser: bigint[]; kernel: bigint; user: bigint }): Obj {
  return {
    ...omit0({ total: u.total }),
    ...(u.percpu.length ? { percpu: u.percpu } : {}),
    ...(u.percpuKernel.length ? { percpu_kernel: u.percpuKernel } : {}),
    ...(u.percpuUser.length ? { percpu_user: u.percpuUser } : {}),
    kernel: u.kernel,
    user: u.user,
  };
}

function throttling(periods?: bigint, throttled?: bigint, time?: bigint): Obj {
  return omit0({ periods: periods ?? 0n, throttledPeriods: throttled ?? 0n, throttledTime: time ?? 0n });
}

/** types.MemoryEntry: limit and failcnt always, usage and max when not zero */
function entry(e: { limit: bigint; usage: bigint; max: bigint; failcnt: bigint }): Obj {
  return { limit: e.limit, ...omit0({ usage: e.usage, max: e.max }), failcnt: e.failcnt };
}

function pids(current: string | null, max: string | null): Obj {
  return omit0({ current: num(current), limit: max?.trim() === 'max' ? 0n : num(max) });
}

/** keyed by runc's page size names ("2MB", "1GB"), from the sizes the kernel offers */
function hugetlb(dir: string | undefined, usageFile: string, stat: (size: string) => { usage: bigint; max: bigint; failcnt: bigint }): Obj {
  const out: Obj = {};
  if (!dir) return out;
  for (const size of pageSizes()) {
    // a size whose files are missing is not accounted here (hugetlb controller off)
    if (read(dir, `hugetlb.${size}.${usageFile}`) === null) continue;
    const s = stat(size);
    out[size] = { ...omit0({ usage: s.usage, max: s.max }), failcnt: s.failcnt };
  }
  return out;
}

/** /sys/kernel/mm/hugepages/hugepages-2048kB → "2MB", as the hugetlb file names spell them */
function pageSizes(): string[] {
  let names: string[];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  return names.map((n) => Number(/^hugepages-(\d+)kB$/.exec(n)?.[1])).filter((kb) => kb > 0).sort((a, b) => a - b).map((kb) => {
    const units = ['KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (kb >= 1024 && kb % 1024 === 0 && i < units.length - 1) {
      kb /= 1024;
      i++;
    }
    return `${kb}${units[i]}`;
  });
}

/** Go's omitempty for numbers and strings: zero values are left out */
function omit0(o: Record<string, bigint | string>): Obj {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0n && v !== ''));
}

/** Go encodes maps with sorted keys */
function sorted(o: Record<string, bigint>): Obj {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, cpuacct.stat) */
function keyed(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

/** a file holding one number (sched_relax_domain_level may be -1); absent or unreadable counts as 0 */
function num(text: string | null): bigint {
  const t = (text ?? '').trim();
  return /^-?\d+$/.test(t) ? BigInt(t) : 0n;
}

function read(dir: string | undefined, file: string): string | null {
  if (!dir) return null;
  try {
    return readFileSync(`${dir}/${file}`, 'utf8');
  } catch {
    return null;
  }
}
