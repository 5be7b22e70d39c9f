// update against a real container (root): new limits reach the cgroup files (v1 or v2 names and
// conversions), state.json's recorded writes and events' stats; bad input is one line, status 1,
// and changes neither the cgroup nor the state.
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, wrunc, type Run } from './helpers.js';
import { leftovers } from './leftovers.js';

if (!isRoot) console.warn('update.test.ts: skipped, it starts real containers and needs root');

const MB = 1024 * 1024;
const root = tempStateRoot();
const bundle = tempBundle({
  args: ['sleep', '1000'],
  edit: (s) => { s.linux.resources = { ...s.linux.resources, memory: { limit: 64 * MB }, pids: { limit: 32 } }; },
});
const stamp = Date.now().toString(36);
const id = `update-${stamp}`;
const stateFile = `${root.path}/${id}/state.json`;

interface Cg { mode: string; dirs: Record<string, string> }
const cgroup = (): Cg => JSON.parse(readFileSync(stateFile, 'utf8')).cgroup;
const v2 = () => cgroup().mode === 'v2';

/** a controller file by its v1 location or its v2 name */
function file(v1: [string, string], v2name: string): string {
  const { dirs } = cgroup();
  return readFileSync(v2() ? `${dirs['']}/${v2name}` : `${dirs[v1[0]]}/${v1[1]}`, 'utf8').trim();
}
const memoryLimit = () => file(['memory', 'memory.limit_in_bytes'], 'memory.max');
const pidsMax = () => file(['pids', 'pids.max'], 'pids.max');

/** the value state.json records for a file, as the last write left it */
function recorded(name: string): string | undefined {
  const writes: { file: string; value: string }[] = JSON.parse(readFileSync(stateFile, 'utf8')).plan.cgroup.writes;
  return writes.filter((w) => w.file === name).at(-1)?.value;
}

function update(args: string[], input?: string): Run {
  return wrunc(['update', ...args, id], { root: root.path, input });
}

function ok(r: Run): void {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe.runIf(isRoot)('update', () => {
  beforeAll(() => ok(wrunc(['run', '-d', '-b', bundle.path, id], { root: root.path })));

  afterAll(() => {
    wrunc(['delete', '-f', id], { root: root.path });
    expect(leftovers({ root: root.path, id, bundle: bundle.path })).toEqual([]);
    bundle.cleanup();
    root.cleanup();
  });

  it('--memory and --pids-limit reach the cgroup, state.json and events', () => {
    ok(update(['--memory', '128M', '--pids-limit', '50']));
    expect(memoryLimit()).toBe(String(128 * MB));
    expect(pidsMax()).toBe('50');
    expect(recorded(v2() ? 'memory.max' : 'memory.limit_in_bytes')).toBe(String(128 * MB));
    expect(recorded('pids.max')).toBe('50');
    const stats = JSON.parse(wrunc(['events', '--stats', id], { root: root.path }).stdout).data;
    expect(stats.pids.limit).toBe(50);
    expect(stats.memory.usage.limit).toBe(128 * MB);
  });

  it('sets memory with swap, and raises both past the old memory+swap limit', () => {
    const swapFile = () => file(['memory', 'memory.memsw.limit_in_bytes'], 'memory.swap.max');
    ok(update(['--memory', '256M', '--memory-swap', '512M']));
    expect(memoryLimit()).toBe(String(256 * MB));
    // v2's memory.swap.max is swap alone: runc's conversion subtracts the memory limit
    expect(swapFile()).toBe(String(v2() ? 256 * MB : 512 * MB));
    // v1 refuses a memory limit above memsw, and memory is written first
    ok(update(['--memory', '600M', '--memory-swap', '700M']));
    expect(memoryLimit()).toBe(String(600 * MB));
    expect(swapFile()).toBe(String(v2() ? 100 * MB : 700 * MB));
  });

  it('-1 lifts a limit', () => {
    ok(update(['--pids-limit', '-1']));
    expect(pidsMax()).toBe('max');
  });

  it('CPU flags convert as runc does', () => {
    ok(update(['--cpu-share', '512', '--cpu-quota', '50000', '--cpu-period', '100000', '--cpuset-cpus', '0']));
    if (v2()) {
      expect(file(['', ''], 'cpu.weight')).toBe('20');
      expect(file(['', ''], 'cpu.max')).toBe('50000 100000');
    } else {
      expect(file(['cpu', 'cpu.shares'], '')).toBe('512');
      expect(file(['cpu', 'cpu.cfs_quota_us'], '')).toBe('50000');
      expect(file(['cpu', 'cpu.cfs_period_us'], '')).toBe('100000');
    }
    expect(file(['cpuset', 'cpuset.cpus'], 'cpuset.cpus')).toBe('0');
  });

  it('-r takes a LinuxResources file, and - reads it from stdin', () => {
    const path = `${bundle.path}/resources.json`;
    writeFileSync(path, JSON.stringify({ pids: { limit: 77 } }));
    ok(update(['-r', path]));
    expect(pidsMax()).toBe('77');
    ok(update(['--resources', '-'], JSON.stringify({ memory: { limit: 200 * MB } })));
    expect(memoryLimit()).toBe(String(200 * MB));
  });

  it('--kernel-memory is accepted with a warning and ignored', () => {
    const r = update(['--kernel-memory', '10M']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/kernel memory settings are ignored/);
  });

  // valid flags come first: nothing of a refused update may be applied, not even those
  it.each([
    [['--pids-limit', '-5'], /^wrunc: update.invalid: pids.limit is -5/],
    [['--memory', '-5'], /^wrunc: update.invalid: invalid value for --memory: "-5"/],
    [['--memory', 'lots'], /^wrunc: update.invalid: invalid value for --memory/],
    [['--cpu-share', '-1'], /^wrunc: update.invalid: invalid value for --cpu-share/],
    [['--cpuset-cpus', '0-x'], /^wrunc: update.invalid: cpu.cpus is "0-x"/],
    [['--blkio-weight', '5'], /^wrunc: spec.value: blockIO weights must be from 10 to 1000/],
    [['-r', '/nonexistent/resources.json'], /^wrunc: update.input: cannot read \/nonexistent/],
    [['-r', '-'], /^wrunc: spec.type: .*\(at \/linux\/resources\/pids\/limit\)$/m, '{"pids":{"limit":"many"}}'],
    [['-r', '-'], /^wrunc: update.input: the resources must be a JSON object/, '[1]'],
  ])('%j is one line, status 1, and changes nothing', (args: string[], pattern: RegExp, input?: string) => {
    const before = { state: readFileSync(stateFile, 'utf8'), memory: memoryLimit(), pids: pidsMax() };
    const r = update(['--pids-limit', '9', '--memory', '99M', ...args], input);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect({ state: readFileSync(stateFile, 'utf8'), memory: memoryLimit(), pids: pidsMax() }).toEqual(before);
  });

  it('a stopped container cannot be updated', async () => {
    expect(wrunc(['kill', id, 'KILL'], { root: root.path }).status).toBe(0);
    for (let i = 0; i < 100 && !wrunc(['state', id], { root: root.path }).stdout.includes('stopped'); i++) await sleep(20);
    const r = update(['--pids-limit', '10']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wrunc: container.not-running: /);
  });
});
