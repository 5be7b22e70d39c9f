// ps against a real container (root): JSON and table list exactly the container's processes,
// the /proc scan of its PID namespace finds the same ones as its cgroup, and a bad id is one line.
import { chmodSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupPids, pidNamespacePids } from '../../host/procfs.js';
import { isRoot, tempBundle, tempStateRoot, wrunc, type Run } from './helpers.js';
import { leftovers } from './leftovers.js';

if (!isRoot) console.warn('ps.test.ts: skipped, it starts real containers and needs root');

const root = tempStateRoot();
const bundle = tempBundle({ args: ['sh', '-c', 'sleep 100 & sleep 100'] });
const stamp = Date.now().toString(36);
const id = `ps-${stamp}`;
let init = 0;

function oneLine(r: Run, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

function comm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

describe.runIf(isRoot)('ps', () => {
  beforeAll(() => {
    const r = wrunc(['run', '-d', '-b', bundle.path, id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    init = JSON.parse(wrunc(['state', id], { root: root.path }).stdout).pid;
  });

  afterAll(() => {
    wrunc(['delete', '-f', id], { root: root.path });
    expect(leftovers({ root: root.path, id, bundle: bundle.path })).toEqual([]);
    bundle.cleanup();
    root.cleanup();
  });

  it('--format json prints the host pids of both sleeps, init among them', () => {
    const r = wrunc(['ps', '--format', 'json', id], { root: root.path });
    expect(r.stderr).toBe('');
    const pids: number[] = JSON.parse(r.stdout);
    expect(pids).toHaveLength(2);
    expect(pids).toContain(init);
    expect(pids.map(comm)).toEqual(['sleep', 'sleep']);
  });

  it('the table is ps -ef\'s header and the container\'s rows only', () => {
    const pids: number[] = JSON.parse(wrunc(['ps', '-f', 'json', id], { root: root.path }).stdout);
    const r = wrunc(['ps', id], { root: root.path });
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(rows.map((row) => Number(row.split(/\s+/)[1])).sort()).toEqual([...pids].sort());
    for (const row of rows) expect(row).toMatch(/sleep 100$/);
  });

  it('passes the options after the id to ps', () => {
    const r = wrunc(['ps', id, '-o', 'pid,comm'], { root: root.path });
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0].trim().split(/\s+/)).toEqual(['PID', 'COMMAND']);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['sleep', 'sleep']);
  });

  it('the /proc scan of the PID namespace (psSource procfs) finds what the cgroup holds', () => {
    const dirs: Record<string, string> = JSON.parse(readFileSync(`${root.path}/${id}/state.json`, 'utf8')).cgroup.dirs;
    const byCgroup = cgroupPids(Object.values(dirs));
    expect(byCgroup).toHaveLength(2);
    expect(pidNamespacePids(init)).toEqual(byCgroup);
  });

  it('an unprivileged user without cgroups lists its container from /proc (psSource procfs), which runc cannot', () => {
    const NOBODY = 65534;
    const userRoot = tempStateRoot();
    chmodSync(userRoot.path, 0o777);
    const b = tempBundle({
      rootless: true,
      owner: NOBODY,
      args: ['sh', '-c', 'sleep 100 & sleep 100'],
      edit: (s) => { s.linux.uidMappings = s.linux.gidMappings = [{ containerID: 0, hostID: NOBODY, size: 1 }]; },
    });
    const as = { root: userRoot.path, user: 'nobody', env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: userRoot.path } };
    const rid = `ps-rootless-${stamp}`;
    try {
      const explain = wrunc(['explain', '--format', 'json', '--bundle', b.path], as);
      expect(JSON.parse(explain.stdout).decisions.psSource.value).toBe('procfs');
      expect(wrunc(['run', '-d', '-b', b.path, rid], as).status).toBe(0);
      const userInit = JSON.parse(wrunc(['state', rid], as).stdout).pid;
      const r = wrunc(['ps', '-f', 'json', rid], as);
      expect(r.status).toBe(0);
      const pids: number[] = JSON.parse(r.stdout);
      expect(pids).toHaveLength(2);
      expect(pids).toContain(userInit);
      expect(pids.map(comm)).toEqual(['sleep', 'sleep']);
      const table = wrunc(['ps', rid], as).stdout.trimEnd().split('\n');
      expect(table.slice(1).map((row) => Number(row.split(/\s+/)[1])).sort()).toEqual([...pids].sort());
    } finally {
      wrunc(['delete', '-f', rid], as);
      b.cleanup();
      userRoot.cleanup();
    }
  });

  it('an unknown id, or ps without a PID column, is one line and status 1', () => {
    oneLine(wrunc(['ps', `nope-${stamp}`], { root: root.path }), /^wrunc: container.not-found: /);
    oneLine(wrunc(['ps', id, '-o', 'comm'], { root: root.path }), /^wrunc: ps.no-pid-column: /);
  });

  it('a stopped container has no processes: null, as runc prints', () => {
    const stopped = `ps-stopped-${stamp}`;
    const b = tempBundle({ args: ['true'] });
    try {
      expect(wrunc(['run', '-d', '-b', b.path, stopped], { root: root.path }).status).toBe(0);
      let r = wrunc(['ps', '-f', 'json', stopped], { root: root.path });
      for (let i = 0; i < 100 && r.stdout !== 'null\n'; i++) r = wrunc(['ps', '-f', 'json', stopped], { root: root.path });
      expect(r.stdout).toBe('null\n');
      expect(wrunc(['ps', stopped], { root: root.path }).stdout.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      wrunc(['delete', '-f', stopped], { root: root.path });
      b.cleanup();
    }
  });
});
