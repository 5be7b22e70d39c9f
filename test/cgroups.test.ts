// The fs cgroup manager on this machine's real hierarchies (as root): create, write, join,
// freeze, kill all, remove; and path resolution against fixed layouts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cgroupLayout, layoutFrom } from '../host/cgroups/layout.js';
import { CgroupManager } from '../host/cgroups/manager.js';
import { resolvePaths } from '../host/cgroups/paths.js';

const isRoot = process.geteuid!() === 0;

describe('resolvePaths', () => {
  const layout = layoutFrom(
    '32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 /sub /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n',
    '4:memory:/runtime\n0::/sub/runtime\n',
  );
  it('puts an absolute path under the hierarchy root and a relative one under our own cgroup', () => {
    expect(resolvePaths(layout, { path: '/c1', relative: false, writes: [] }).dirs).toEqual({
      memory: '/sys/fs/cgroup/memory/c1', '': '/sys/fs/cgroup/unified/c1' });
    expect(resolvePaths(layout, { path: 'c1', relative: true, writes: [] }).dirs).toEqual({
      memory: '/sys/fs/cgroup/memory/runtime/c1', '': '/sys/fs/cgroup/unified/runtime/c1' });
  });
});

describe.runIf(isRoot && cgroupLayout().mode !== 'none')('CgroupManager on this machine', () => {
  it('creates, writes, joins, freezes, kills all and removes', async () => {
    const name = `wrunc-test-${process.pid}`;
    const paths = resolvePaths(cgroupLayout(), { path: `/${name}/nested`, relative: false, writes: [] });
    const warnings: string[] = [];
    const cg = new CgroupManager(paths, false, (m) => warnings.push(m));
    cg.create();
    for (const dir of Object.values(paths.dirs)) expect(existsSync(dir)).toBe(true);
    const writes = paths.mode === 'v2' ? [{ controller: '', file: 'pids.max', value: '50' }] : [{ controller: 'pids', file: 'pids.max', value: '50' }];
    if (paths.dirs[writes[0].controller] !== undefined) {
      cg.apply(writes);
      expect(readFileSync(`${paths.dirs[writes[0].controller]}/pids.max`, 'utf8').trim()).toBe('50');
    }
    const child = spawn('sleep', ['100'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', (_c, s) => r(s)));
    cg.addPid(child.pid!);
    expect(cg.pids()).toEqual([child.pid]);
    if (cg.freeze()) {
      expect(cg.isFrozen()).toBe(true);
      cg.thaw();
      expect(cg.isFrozen()).toBe(false);
    }
    cg.signalAll('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    cg.destroy();
    for (const dir of Object.values(paths.dirs)) expect(existsSync(dir)).toBe(false);
    // the parent was made on the way down; remove it as a user of the manager would not
    new CgroupManager(resolvePaths(cgroupLayout(), { path: `/${name}`, relative: false, writes: [] }), false, () => {}).destroy();
    expect(warnings).toEqual([]);
  });

  it.runIf(cgroupLayout().unified !== null)('drives a cgroup2 tree the v2 way (cgroup.freeze, cgroup.events)', async () => {
    const dir = `${cgroupLayout().unified!.mountpoint}/wrunc-test-v2-${process.pid}`;
    const cg = new CgroupManager({ mode: 'v2', dirs: { '': dir } }, false, () => {});
    cg.create();
    const child = spawn('sleep', ['100'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', (_c, s) => r(s)));
    cg.addPid(child.pid!);
    expect(cg.pids()).toEqual([child.pid]);
    expect(cg.freeze()).toBe(true);
    expect(cg.isFrozen()).toBe(true);
    expect(readFileSync(`/proc/${child.pid}/status`, 'utf8')).toMatch(/^State:\s+[ST]/m);
    cg.thaw();
    expect(cg.isFrozen()).toBe(false);
    cg.signalAll('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    cg.destroy();
    expect(existsSync(dir)).toBe(false);
  });

  it('the rootless variant: a missing cgroup is a debug note, an unset resource a warning', () => {
    const warnings: string[] = [];
    const notes: string[] = [];
    const dirs = { memory: '/proc/wrunc-not-a-cgroup/x' };
    const cg = new CgroupManager({ mode: 'v1', dirs }, true, (m) => warnings.push(m), (m) => notes.push(m));
    cg.create();
    cg.addPid(process.pid);
    expect(notes).toEqual([expect.stringMatching(/^cgroup.create: /)]);
    cg.apply([{ controller: 'memory', file: 'memory.limit_in_bytes', value: '1' }, { controller: 'nope', file: 'x', value: '1' }]);
    expect(warnings).toEqual([expect.stringMatching(/^cgroup.write: memory.limit_in_bytes is not set/), expect.stringMatching(/^cgroup.controller: /)]);
    expect(() => new CgroupManager({ mode: 'v1', dirs }, false, () => {}).create()).toThrow(/cannot create cgroup/);
  });
});
