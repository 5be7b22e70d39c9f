// `wrunc exec` into real containers: the process is in every namespace and the cgroup of the
// container's init, with the decided identity and capabilities; its status is exec's; flags,
// --detach with --pid-file, and the errors a stopped container or a bad --process file give.
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive } from '../../host/state.js';
import { isRoot, tempBundle, tempDir, tempStateRoot, wrunc, type TempDir } from './helpers.js';
import { leftovers, stateDirs } from './leftovers.js';

const NAMESPACES = ['mnt', 'pid', 'uts', 'ipc', 'net'];
const ID = `exec-${process.pid}`;
const STOPPED = `exec-stopped-${process.pid}`;
const USERNS = `exec-userns-${process.pid}`;

describe.skipIf(!isRoot)('wrunc exec (root)', () => {
  let root: TempDir;
  let bundle: TempDir & { spec: any };
  let work: TempDir;
  let initPid: number;
  const ex = (args: string[]) => wrunc(['exec', ...args], { root: root.path });
  const statusField = (status: string, key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)?.[1];

  beforeAll(() => {
    root = tempStateRoot();
    work = tempDir();
    bundle = tempBundle({ args: ['sleep', '1000'], edit: (s) => { s.hostname = 'exec-test'; } });
    const r = wrunc(['run', '--detach', '--bundle', bundle.path, ID], { root: root.path });
    expect(r.stderr).toBe('');
    initPid = JSON.parse(wrunc(['state', ID], { root: root.path }).stdout).pid;
  });

  afterAll(() => {
    wrunc(['delete', '--force', ID], { root: root.path });
    wrunc(['delete', '--force', STOPPED], { root: root.path });
    wrunc(['delete', '--force', USERNS], { root: root.path });
    expect(leftovers({ root: root.path, id: ID, pid: initPid })).toEqual([]);
    expect(stateDirs(root.path)).toEqual([]);
    for (const d of [root, bundle, work]) d.cleanup();
  });

  it('runs in the namespaces of init, with its identity and capabilities', () => {
    const script = `echo pid=$$; ${NAMESPACES.map((n) => `echo ${n}=$(readlink /proc/self/ns/${n})`).join('; ')}; echo host=$(hostname); cat /proc/self/status`;
    const r = ex([ID, 'sh', '-c', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const n of NAMESPACES) expect(r.stdout).toContain(`${n}=${readlinkSync(`/proc/${initPid}/ns/${n}`)}`);
    expect(r.stdout).toContain('host=exec-test');
    // a pid of the container's namespace, not the host's
    expect(Number(/^pid=(\d+)$/m.exec(r.stdout)?.[1])).toBeLessThan(100);
    const initStatus = readFileSync(`/proc/${initPid}/status`, 'utf8');
    for (const key of ['Uid', 'Gid', 'CapEff', 'CapBnd', 'CapPrm', 'NoNewPrivs']) expect(statusField(r.stdout, key)).toBe(statusField(initStatus, key));
  });

  it('exits with the process status, 128+signal when it is killed', () => {
    expect(ex([ID, 'sh', '-c', 'exit 7']).status).toBe(7);
    expect(ex([ID, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
  });

  it('builds on the config as it was at create, whatever happens to the bundle since', () => {
    const path = join(bundle.path, 'config.json');
    const saved = readFileSync(path, 'utf8');
    writeFileSync(path, '{"broken":');
    try {
      const r = ex([ID, 'hostname']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('exec-test\n');
    } finally {
      writeFileSync(path, saved);
    }
  });

  it('takes --env, --cwd, --user and --cap; options end at the container id', () => {
    const r = ex(['--env', 'FOO=bar', '-e', 'PATH=/bin', '--cwd', '/tmp', '--user', '65534:65534', ID, 'sh', '-c', 'echo $FOO $PATH; pwd; id -u; id -g']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['bar /bin', '/tmp', '65534', '65534', '']);
    const caps = ex(['--cap', 'CAP_SYS_ADMIN', ID, 'grep', 'CapEff', '/proc/self/status']);
    expect(BigInt(`0x${caps.stdout.split(/\s+/)[1]}`) & (1n << 21n)).toBe(1n << 21n);
  });

  it('--detach returns at once and --pid-file names the process, in the container\'s cgroup', () => {
    const pidFile = join(work.path, 'exec.pid');
    const r = ex(['--detach', '--pid-file', pidFile, ID, 'sleep', '1000']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid, null)).toBe(true);
    expect(readlinkSync(`/proc/${pid}/ns/pid`)).toBe(readlinkSync(`/proc/${initPid}/ns/pid`));
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(readFileSync(`/proc/${initPid}/cgroup`, 'utf8'));
    process.kill(pid, 'SIGKILL');
  });

  it('takes a --process file, decided like the container\'s process', () => {
    const file = join(work.path, 'process.json');
    writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'id -u; pwd'], cwd: '/proc', user: { uid: 5, gid: 6 }, env: ['PATH=/bin'] }));
    const r = ex(['--process', file, ID]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('5\n/proc\n');
  });

  it('a malformed --process file is one line with a JSON Pointer', () => {
    const file = join(work.path, 'bad.json');
    writeFileSync(file, JSON.stringify({ args: 'sh', cwd: '/' }));
    const r = ex(['--process', file, ID]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wrunc: spec\.\S+: .*\(at \/process\/args\)\n$/);
  });

  it('refuses a stopped container with one line', () => {
    const other = tempBundle({ args: ['true'] });
    try {
      expect(wrunc(['run', '--detach', '--bundle', other.path, STOPPED], { root: root.path }).status).toBe(0);
      const pid = JSON.parse(wrunc(['state', STOPPED], { root: root.path }).stdout).pid;
      for (let i = 0; i < 200 && alive(pid, null); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      const r = ex([STOPPED, 'true']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^wrunc: container\.not-running: [^\n]*\n$/);
      expect(wrunc(['delete', STOPPED], { root: root.path }).status).toBe(0);
    } finally {
      other.cleanup();
    }
  });

  it('joins a container\'s user namespace first, then the others', () => {
    const other = tempBundle({ rootless: true, args: ['sleep', '1000'] });
    try {
      expect(wrunc(['run', '--detach', '--bundle', other.path, USERNS], { root: root.path }).status).toBe(0);
      const pid = JSON.parse(wrunc(['state', USERNS], { root: root.path }).stdout).pid;
      const r = ex([USERNS, 'sh', '-c', 'readlink /proc/self/ns/user; readlink /proc/self/ns/mnt; id -u']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${readlinkSync(`/proc/${pid}/ns/user`)}\n${readlinkSync(`/proc/${pid}/ns/mnt`)}\n0\n`);
      expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync('/proc/self/ns/user'));
      expect(wrunc(['delete', '--force', USERNS], { root: root.path }).status).toBe(0);
    } finally {
      other.cleanup();
    }
  });

  it('an unknown container is one line', () => {
    const r = ex([`nosuch-${process.pid}`, 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wrunc: container\.not-found: [^\n]*\n$/);
  });
});
