// events against real containers (root): --stats is one stats event in runc's JSON shape with the
// container's memory and pids; streaming repeats it every --interval and ends with the container;
// an OOM kill inside the container is an "oom" event.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, WRUNC, wrunc, type Run } from './helpers.js';
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

  it('bad interval, unknown or stopped container: one line, status 1', () => {
    oneLine(wrunc(['events', '--interval', '0s', id], { root: root.path }), /^wrunc: usage: duration interval must be greater than 0/);
    oneLine(wrunc(['events', '--interval', 'soon', id], { root: root.path }), /^wrunc: usage: --interval "soon" is not a duration/);
    oneLine(wrunc(['events', '--stats', `nope-${stamp}`], { root: root.path }), /^wrunc: container.not-found: /);
    oneLine(wrunc(['events', '--stats', id], { root: root.path }), /^wrunc: container.not-running: /);
  });
});
