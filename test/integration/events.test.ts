// events against real containers (root): --stats is one stats event in runc's JSON shape with the
// container's memory and pids; streaming repeats it every --interval and ends with the container;
// an OOM kill inside the container is an "oom" event.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStats } from '../../host/stats.js';
import { isRoot, tempBundle, tempDir, tempStateRoot, WRUNC, wrunc, type Run } from './helpers.js';
import { leftovers } from './leftovers.js';

if (!isRoot) console.warn('events.test.ts: skipped, it starts real containers and needs root');

const MEMORY = 64 * 1024 * 1024;
const PIDS = 32;
const root = tempStateRoot();
const bundle = tempBundle({
  args: ['sh', '-c', 'sleep 100 & sleep 100'],
  edit: (s) => { s.linux.resources = { ...s.linux.resources, memory: { limit: MEMORY }, pids: { limit: PIDS } }; },
});
const stamp = Date.now().toString(36);
const id = `events-${stamp}`;
const made: string[] = [id];
const RUNC = '/usr/sbin/runc';
if (isRoot && !existsSync(RUNC)) console.warn(`events.test.ts: the runc comparison is skipped, ${RUNC} is not installed`);

function oneLine(r: Run, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

/** runs `wrunc events` in the background; resolves with its lines and status when it exits or is stopped */
function streamEvents(args: string[], stopAfterMs: number): Promise<{ lines: string[]; status: number | null }> {
  const child = spawn(WRUNC, ['--root', root.path, 'events', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGTERM'), stopAfterMs);
  return new Promise((done) => child.on('close', (status) => {
    clearTimeout(timer);
    done({ lines: out.split('\n').filter(Boolean), status });
  }));
}

/** every key path of a JSON value, array items collapsed */
function keyPaths(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.length ? keyPaths(v[0], `${at}[]`) : [`${at}[]`];
  if (v === null || typeof v !== 'object') return [at];
  return Object.entries(v).flatMap(([k, x]) => keyPaths(x, `${at}/${k}`)).sort();
}

describe.runIf(isRoot)('events', () => {
  beforeAll(() => {
    const r = wrunc(['run', '-d', '-b', bundle.path, id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  afterAll(() => {
    for (const c of made) {
      wrunc(['delete', '-f', c], { root: root.path });
      expect(leftovers({ root: root.path, id: c })).toEqual([]);
    }
    bundle.cleanup();
    root.cleanup();
  });

  it('--stats prints one stats event with memory usage, the limits and pids current', () => {
    const r = wrunc(['events', '--stats', id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const e = JSON.parse(r.stdout);
    expect(Object.keys(e)).toEqual(['type', 'id', 'data']);
    expect(e).toMatchObject({ type: 'stats', id });
    expect(Object.keys(e.data)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(e.data.memory.usage.usage).toBeGreaterThan(0);
    expect(e.data.memory.usage.limit).toBe(MEMORY);
    expect(e.data.pids).toEqual({ current: 2, limit: PIDS });
    expect(e.data.cpu.usage.total).toBeGreaterThan(0);
  });

  it.runIf(existsSync(RUNC))('has the keys runc 1.1 prints for the same container', () => {
    const runcRoot = tempDir('wrunc-runc-root-');
    const rid = `events-runc-${stamp}`;
    try {
      const run = spawnSync(RUNC, ['--root', runcRoot.path, 'run', '-d', '-b', bundle.path, rid], { stdio: 'ignore' });
      expect(run.status).toBe(0);
      const theirs = JSON.parse(spawnSync(RUNC, ['--root', runcRoot.path, 'events', '--stats', rid], { encoding: 'utf8' }).stdout);
      const ours = JSON.parse(wrunc(['events', '--stats', id], { root: root.path }).stdout);
      expect(keyPaths(ours)).toEqual(keyPaths(theirs));
      expect(ours.data.memory.usage.limit).toBe(theirs.data.memory.usage.limit);
      // the two containers' task counts are not comparable at one instant (runc's init threads
      // are still exiting right after run -d); the limit and the shape are
      expect(ours.data.pids.limit).toBe(theirs.data.pids.limit);
      expect(ours.data.cpuset).toEqual(theirs.data.cpuset);
    } finally {
      spawnSync(RUNC, ['--root', runcRoot.path, 'delete', '-f', rid], { stdio: 'ignore' });
      runcRoot.cleanup();
    }
  });

  it('64-bit limits are printed exactly, not rounded to a double', () => {
    const r = wrunc(['events', '--stats', id], { root: root.path });
    // e.g. v1's unlimited 9223372036854771712; a double would print 9223372036854772000
    for (const n of r.stdout.match(/\d{16,}/g) ?? []) expect(BigInt(n) % 4096n === 0n || BigInt(n) === 18446744073709551615n).toBe(true);
    expect(r.stdout).not.toMatch(/e\+/);
  });

  it('streams a stats event every --interval and stops when the container stops', async () => {
    const streaming = streamEvents(['--interval', '200ms', id], 10_000);
    await sleep(1100);
    expect(wrunc(['kill', id, 'KILL'], { root: root.path }).status).toBe(0);
    const { lines, status } = await streaming;
    expect(status).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ type: 'stats', id });
  });

  it('reports an OOM kill as {"type":"oom"}', async () => {
    const oom = `events-oom-${stamp}`;
    made.push(oom);
    const b = tempBundle({
      // dd's 100M buffer cannot fit in 32M: the kernel kills dd, the shell goes on
      args: ['sh', '-c', 'sleep 1; dd if=/dev/zero of=/dev/null bs=100M count=1; sleep 100'],
      edit: (s) => { s.linux.resources = { ...s.linux.resources, memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } }; },
    });
    try {
      expect(wrunc(['run', '-d', '-b', b.path, oom], { root: root.path }).status).toBe(0);
      const { lines } = await streamEvents(['--interval', '10s', oom], 4000);
      expect(lines.map((l) => JSON.parse(l))).toContainEqual({ type: 'oom', id: oom });
    } finally {
      b.cleanup();
    }
  });

  it('reads cgroup v2 files with runc\'s conversions (usec to ns, max, swap plus memory)', () => {
    const dir = tempDir('wrunc-fake-v2-');
    try {
      const files: Record<string, string> = {
        'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n',
        'memory.current': '4096\n',
        'memory.max': '8192\n',
        'memory.swap.current': '0\n',
        'memory.swap.max': 'max\n',
        'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
        'memory.stat': 'file 12288\nanon 4096\n',
        'pids.current': '2\n',
        'pids.max': 'max\n',
        'io.stat': '8:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
      };
      mkdirSync(dir.path, { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(`${dir.path}/${name}`, text);
      const s = JSON.parse(JSON.stringify(readStats({ mode: 'v2', dirs: { '': dir.path } }), (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
      expect(s.cpu).toEqual({ usage: { total: '1500000', kernel: '500000', user: '1000000' }, throttling: { periods: '4', throttledPeriods: '1', throttledTime: '20000' } });
      expect(s.memory.cache).toBe('12288');
      expect(s.memory.usage).toEqual({ limit: '8192', usage: '4096', failcnt: '3' });
      expect(s.memory.swap).toEqual({ limit: '18446744073709551615', usage: '4096', failcnt: '0' });
      expect(s.memory.raw).toEqual({ anon: '4096', file: '12288' });
      expect(s.pids).toEqual({ current: '2' });
      expect(s.blkio).toEqual({
        ioServiceBytesRecursive: [{ major: '8', op: 'Read', value: '512' }, { major: '8', op: 'Write' }],
        ioServicedRecursive: [{ major: '8', op: 'Read', value: '1' }, { major: '8', op: 'Write' }],
      });
    } finally {
      dir.cleanup();
    }
  });

  it('bad interval, unknown or stopped container: one line, status 1', () => {
    oneLine(wrunc(['events', '--interval', '0s', id], { root: root.path }), /^wrunc: usage: duration interval must be greater than 0/);
    oneLine(wrunc(['events', '--interval', 'soon', id], { root: root.path }), /^wrunc: usage: --interval "soon" is not a duration/);
    oneLine(wrunc(['events', '--stats', `nope-${stamp}`], { root: root.path }), /^wrunc: container.not-found: /);
    oneLine(wrunc(['events', '--stats', id], { root: root.path }), /^wrunc: container.not-running: /);
  });
});
