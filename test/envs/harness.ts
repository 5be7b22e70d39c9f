// The five real environments wrunc must work in, created on this machine by the test itself
// (which runs as real root), and a way to run a command inside each one.
//
//   1. rootless      a real unprivileged user (wrunctest) with /etc/subuid and /etc/subgid ranges,
//                    XDG_RUNTIME_DIR=/run/user/UID, run with `runuser -u wrunctest --`
//   2. userns-root   root in a user namespace (host 100000..165535) with USER=root and a delegated
//                    cgroup subtree: Docker inside LXD
//   3. userns-alice  root in a user namespace with USER=alice and XDG_RUNTIME_DIR set, no cgroup
//                    access: rootless buildkit / podman
//   4. dind-root     root in a user namespace that the rootless user made (0 -> wrunctest,
//                    1.. -> its subuid range through newuidmap), USER=root, no cgroup access:
//                    rootless docker-in-docker
//   5. dind-user     a non-root user (1000) inside that same namespace
//
// Environments 2-5 are namespaces that must outlive a single command (a container `create`d by
// one command is `state`d, `ps`ed and `delete`d by the next), so each is held open by a "holder"
// (`sleep infinity` inside the namespaces) and every command enters it with nsenter. The holder's
// mount namespace has a private /run (a directory of the environment bind-mounted over /run), as
// LXD containers and rootlesskit give their root, so /run/wrunc there is writable by the
// namespace's root and never mixes with the host's.
//
// Setup is idempotent (what exists is checked and reused), teardown undoes only what setup added
// (recorded in BASE/added.json), and a setup that cannot be done throws with the reason.
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync,
  readlinkSync, renameSync, rmSync, rmdirSync, writeFileSync, chmodSync, copyFileSync, symlinkSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** the repository (this file runs from test/envs, or bundled from build/) */
export const REPO = ((): string => {
  for (let d = here; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bin', 'wrunc'))) return d;
  return resolve(here, '..', '..');
})();
/** the runtime under test; WRUNC_TEST_RUNTIME=/usr/sbin/runc runs the same environments with runc */
export const RUNTIME = process.env.WRUNC_TEST_RUNTIME || join(REPO, 'bin', 'wrunc');
export const RUNTIME_NAME = RUNTIME.endsWith('runc') && !RUNTIME.endsWith('wrunc') ? 'runc' : 'wrunc';
export const BASE = '/tmp/wrunc-envs';

export const TEST_USER = 'wrunctest';
/** preferred uid/gid for the test user (used when free; otherwise useradd picks) */
const TEST_UID_WANTED = 4711;
/** the test user's subordinate range (and the rootless dind namespace's ids 1..) */
export const USER_SUB = { start: 200000, count: 65536 };
/** root's subordinate range: the "LXD" namespace of environments 2 and 3 */
export const ROOT_SUB = { start: 100000, count: 65536 };
/** the non-root user inside the rootless dind namespace (environment 5) */
export const DIND_INNER_UID = 1000;

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BUSYBOX = '/bin/busybox';

export type EnvName = 'rootless' | 'userns-root' | 'userns-alice' | 'dind-root' | 'dind-user';
export const ENV_NAMES: EnvName[] = ['rootless', 'userns-root', 'userns-alice', 'dind-root', 'dind-user'];

export interface RunResult {
  /** the full command line, for failure messages */
  cmd: string;
  stdout: string;
  stderr: string;
  /** exit status, or null when killed by a signal */
  status: number | null;
  signal: string | null;
}

export interface RunOptions {
  cwd?: string;
  /** extra environment variables (added to the environment's own) */
  env?: Record<string, string>;
  /** overrides of the environment's own variables; undefined removes one */
  envOverride?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** hide /usr/bin/newuidmap and /usr/bin/newgidmap for this command only (overlay whiteouts in a private mount namespace) */
  hideIdmapHelpers?: boolean;
}

export interface BundleOptions {
  /** `spec --rootless` (run inside the environment, as its user) instead of `spec` */
  rootless?: boolean;
  args?: string[];
  edit?: (spec: any) => void;
}

interface Added {
  user?: { name: string; uid: number };
  subuid: string[];
  subgid: string[];
  cgroups: string[];
  xdgRuntimeDirs: string[];
}

// ---------------------------------------------------------------------------------------------
// small utilities

function sh(cmd: string, args: string[], what: string, opts: { allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (!opts.allowFail && (r.status !== 0 || r.error)) {
    throw new Error(`harness: ${what}: \`${[cmd, ...args].join(' ')}\` failed (${r.error ?? `exit ${r.status}`}): ${(r.stderr || '').trim()}`);
  }
  return r.stdout ?? '';
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function chownTree(path: string, uid: number, gid = uid): void {
  const st = lstatSync(path);
  chownSync(path, uid, gid);
  if (st.isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

function ensureDir(path: string, uid: number, gid: number, mode: number): void {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
}

function readAdded(): Added {
  try {
    return { subuid: [], subgid: [], cgroups: [], xdgRuntimeDirs: [], ...JSON.parse(readFileSync(join(BASE, 'added.json'), 'utf8')) };
  } catch {
    return { subuid: [], subgid: [], cgroups: [], xdgRuntimeDirs: [] };
  }
}

function writeAdded(a: Added): void {
  mkdirSync(BASE, { recursive: true });
  writeFileSync(join(BASE, 'added.json'), JSON.stringify(a, null, 2));
}

/** changes the record of what setup added; it is written back even when fn fails halfway */
function recordingAdded<T>(fn: (added: Added) => T): T {
  const added = readAdded();
  try {
    return fn(added);
  } finally {
    writeAdded(added);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e.code === 'EPERM';
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** every pid on the machine (numeric entries of /proc) */
function allPids(): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
}

function procUid(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** live, not a zombie (a zombie has exited; its parent has not reaped it yet) */
function procLive(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function procPpid(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  } catch {
    return 0;
  }
}

function procUserns(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return null;
  }
}

function procCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function killPids(pids: number[]): void {
  for (const p of pids) {
    try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
  for (let i = 0; i < 50 && pids.some(pidAlive); i++) sleepMs(20);
}

// ---------------------------------------------------------------------------------------------
// /etc/subuid and /etc/subgid

function addSubLine(file: '/etc/subuid' | '/etc/subgid', line: string, added: Added): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.includes(line)) return;
  const tmp = `${file}.wrunc-test-${process.pid}`;
  writeFileSync(tmp, [...lines, line].join('\n') + '\n', { mode: 0o644 });
  renameSync(tmp, file);
  const key = file === '/etc/subuid' ? 'subuid' : 'subgid';
  if (!added[key].includes(line)) added[key].push(line);
}

function removeSubLine(file: '/etc/subuid' | '/etc/subgid', line: string): void {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  if (!lines.includes(line)) return;
  const tmp = `${file}.wrunc-test-${process.pid}`;
  const rest = lines.filter((l) => l !== line);
  writeFileSync(tmp, rest.length ? rest.join('\n') + '\n' : '', { mode: 0o644 });
  renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// the test user

function lookupUser(name: string): { uid: number; gid: number; home: string } | null {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const f = r.stdout.trim().split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
}

function ensureUser(added: Added): { uid: number; gid: number; home: string } {
  let u = lookupUser(TEST_USER);
  if (!u) {
    const uidFree = spawnSync('getent', ['passwd', String(TEST_UID_WANTED)]).status !== 0
      && spawnSync('getent', ['group', String(TEST_UID_WANTED)]).status !== 0;
    // SUB_*_COUNT=0: useradd would otherwise allot its own range from 100000 (root's "LXD" range)
    sh('useradd', [...(uidFree ? ['--uid', String(TEST_UID_WANTED)] : []), '--user-group', '--create-home', '--shell', '/bin/sh',
      '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', TEST_USER], 'create the rootless test user');
    u = lookupUser(TEST_USER);
    if (!u) throw new Error(`harness: useradd ${TEST_USER} succeeded but getent cannot find the user`);
    added.user = { name: TEST_USER, uid: u.uid };
  }
  addSubLine('/etc/subuid', `${TEST_USER}:${USER_SUB.start}:${USER_SUB.count}`, added);
  addSubLine('/etc/subgid', `${TEST_USER}:${USER_SUB.start}:${USER_SUB.count}`, added);
  const xdg = `/run/user/${u.uid}`;
  if (!existsSync(xdg)) {
    ensureDir('/run/user', 0, 0, 0o755);
    ensureDir(xdg, u.uid, u.gid, 0o700);
    if (!added.xdgRuntimeDirs.includes(xdg)) added.xdgRuntimeDirs.push(xdg);
  } else {
    chownSync(xdg, u.uid, u.gid);
    chmodSync(xdg, 0o700);
  }
  return u;
}

// ---------------------------------------------------------------------------------------------
// cgroups: the delegated subtree of environment 2

export interface CgroupHierarchy {
  /** "memory", "pids", "cpu", "name=systemd", "" for cgroup2 ... */
  controllers: string;
  /** where it is mounted: /sys/fs/cgroup/memory */
  mount: string;
  /** this process's cgroup in it: /process_api/abc */
  own: string;
}

/** the cgroup hierarchies mounted on this machine, with this process's place in each */
export function cgroupHierarchies(): CgroupHierarchy[] {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) own.set(m[2], m[3]);
  }
  const out: CgroupHierarchy[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    const mount = left[4];
    if (fstype === 'cgroup2') {
      if (own.has('')) out.push({ controllers: '', mount, own: own.get('')! });
    } else if (fstype === 'cgroup') {
      const opts = superOpts.split(',');
      for (const [ctrls, path] of own) {
        if (ctrls && ctrls.split(',').every((c) => opts.includes(c))) out.push({ controllers: ctrls, mount, own: path });
      }
    }
  }
  // one entry per mount point (a hierarchy may be mounted twice)
  const seen = new Set<string>();
  return out.filter((h) => (seen.has(h.mount) ? false : (seen.add(h.mount), true)));
}

function rmCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmCgroupTree(join(dir, e.name));
  const procs = (() => {
    try { return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
  })();
  killPids(procs);
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e: any) {
      if (e.code === 'ENOENT') return;
      if (i === 49) throw new Error(`harness: cannot remove cgroup ${dir}: ${e.message}`);
      sleepMs(20);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// rootfs and bundles

/** a busybox root filesystem (shared template, copied per bundle) */
function rootfsTemplate(): string {
  const t = join(BASE, 'rootfs-template');
  if (existsSync(join(t, '.complete'))) return t;
  if (!existsSync(BUSYBOX)) throw new Error(`harness: ${BUSYBOX} is missing: apt-get install busybox-static`);
  rmSync(t, { recursive: true, force: true });
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'run']) mkdirSync(join(t, d), { recursive: true });
  chmodSync(join(t, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(t, 'bin', 'busybox'));
  chmodSync(join(t, 'bin', 'busybox'), 0o755);
  for (const applet of sh(BUSYBOX, ['--list'], 'list busybox applets').split('\n')) {
    if (applet && applet !== 'busybox' && !existsSync(join(t, 'bin', applet))) symlinkSync('busybox', join(t, 'bin', applet));
  }
  writeFileSync(join(t, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(t, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nusers:x:100:\nnogroup:x:65534:\n');
  writeFileSync(join(t, '.complete'), '');
  return t;
}

// ---------------------------------------------------------------------------------------------
// environments

export interface Env {
  name: EnvName;
  title: string;
  /** variables every command in the environment gets (besides PATH and HOME) */
  vars: Record<string, string>;
  /** the environment's user as seen inside it */
  uid: number;
  gid: number;
  /** the host uid/gid that owns the environment's files (its user as the host sees it) */
  hostUid: number;
  hostGid: number;
  /** where the environment's bundles go (host path = environment path) */
  dir: string;
  /** the delegated cgroup directories, one per hierarchy (environment 2 only) */
  delegated: { h: CgroupHierarchy; dir: string }[];
  setup(): void;
  teardown(): void;
  /** run argv in the environment */
  run(argv: string[], o?: RunOptions): RunResult;
  /** run the runtime under test: `RUNTIME ...args` */
  runtime(args: string[], o?: RunOptions): RunResult;
  /** a bundle made with `RUNTIME spec [--rootless]` run inside the environment as its user */
  makeBundle(name: string, o?: BundleOptions): { dir: string; spec: any };
  /** translate a path inside the environment to the host (the private /run) */
  hostPath(p: string): string;
  /** processes that belong to this environment besides its holder (containers, stray runtimes) */
  strayProcesses(): { pid: number; cmd: string }[];
}

interface Holder {
  pidFile: string;
  /** the command that starts the holder (runs detached); it must write its inner pid to pidFile */
  start(): string[];
  runDir: string;
  runOwner: [number, number];
}

const state = {
  user: null as null | { uid: number; gid: number; home: string },
};

function testUser(): { uid: number; gid: number; home: string } {
  if (!state.user) state.user = lookupUser(TEST_USER);
  if (!state.user) throw new Error(`harness: the test user ${TEST_USER} does not exist: call setup() first`);
  return state.user;
}

function readHolderPid(h: Holder): number | null {
  try {
    const pid = Number(readFileSync(h.pidFile, 'utf8').trim());
    if (pid > 0 && pidAlive(pid) && procCmdline(pid).startsWith('sleep infinity')) return pid;
  } catch { /* none */ }
  return null;
}

function ensureHolder(h: Holder, what: string): number {
  const existing = readHolderPid(h);
  if (existing) return existing;
  rmSync(h.pidFile, { force: true });
  const log = join(dirname(h.pidFile), 'holder.log');
  const fd = openSync(log, 'w');
  const [cmd, ...args] = h.start();
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], cwd: '/' });
  child.unref();
  closeSync(fd);
  for (let i = 0; i < 250; i++) {
    const pid = readHolderPid(h);
    if (pid) return pid;
    if (child.exitCode !== null) break;
    sleepMs(20);
  }
  throw new Error(`harness: cannot start the ${what} namespace holder (\`${[cmd, ...args].map(quote).join(' ')}\`): ${readFileSync(log, 'utf8').trim() || 'no output'}`);
}

function stopHolder(h: Holder): void {
  const pid = readHolderPid(h);
  if (!pid) return;
  const ns = procUserns(pid);
  // everything in the holder's user namespace (containers without their own user namespace, stray runtimes)
  const inNs = ns ? allPids().filter((p) => p !== process.pid && procUserns(p) === ns) : [pid];
  // and the holder's parent (the unshare that forked it)
  let ppid = 0;
  try { ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]); } catch { /* gone */ }
  const parent = ppid > 1 && procCmdline(ppid).startsWith('unshare') ? [ppid] : [];
  killPids([...inNs, ...parent]);
  rmSync(h.pidFile, { force: true });
}

function baseEnv(): Record<string, string> {
  return { PATH, HOME: '/root' };
}

function envArgs(vars: Record<string, string>, o: RunOptions, cwd: string): string[] {
  const all: Record<string, string | undefined> = { ...vars, ...(o.env ?? {}), ...(o.envOverride ?? {}) };
  return ['env', '-i', '-C', cwd, ...Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)];
}

function doRun(full: string[], o: RunOptions): RunResult {
  if (o.hideIdmapHelpers) {
    const wo = join(BASE, 'whiteouts');
    if (!existsSync(join(wo, 'newgidmap'))) {
      mkdirSync(wo, { recursive: true });
      for (const f of ['newuidmap', 'newgidmap']) if (!existsSync(join(wo, f))) sh('mknod', [join(wo, f), 'c', '0', '0'], 'make an overlay whiteout');
    }
    full = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      `mount -t overlay wrunc-test-hide -o lowerdir=${wo}:/usr/bin /usr/bin && exec "$@"`, 'sh', ...full];
  }
  // output goes to files, not pipes: a `create`d container keeps the runtime's stdio open, and a
  // pipe would make spawnSync wait for the container to exit
  const tmp = mkdtempSync(join(BASE, 'out-'));
  const outFd = openSync(join(tmp, 'out'), 'w');
  const errFd = openSync(join(tmp, 'err'), 'w');
  let r;
  try {
    r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', outFd, errFd], timeout: o.timeoutMs ?? 60_000, killSignal: 'SIGKILL', cwd: '/' });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const res: RunResult = {
    cmd: full.map(quote).join(' '),
    stdout: readFileSync(join(tmp, 'out'), 'utf8'),
    stderr: readFileSync(join(tmp, 'err'), 'utf8') + (r.error ? `\n[harness: ${r.error.message}]` : ''),
    status: r.status,
    signal: r.signal,
  };
  rmSync(tmp, { recursive: true, force: true });
  return res;
}

abstract class BaseEnv implements Env {
  abstract name: EnvName;
  abstract title: string;
  abstract vars: Record<string, string>;
  abstract uid: number;
  abstract gid: number;
  abstract hostUid: number;
  abstract hostGid: number;
  get delegated(): { h: CgroupHierarchy; dir: string }[] { return []; }
  get dir(): string { return join(BASE, this.name); }
  abstract setup(): void;
  abstract teardown(): void;
  abstract wrap(inner: string[], o: RunOptions): string[];
  abstract strayProcesses(): { pid: number; cmd: string }[];
  hostPath(p: string): string { return p; }

  run(argv: string[], o: RunOptions = {}): RunResult {
    return doRun(this.wrap([...envArgs({ ...baseEnv(), ...this.vars }, o, o.cwd ?? '/'), ...argv], o), o);
  }

  runtime(args: string[], o: RunOptions = {}): RunResult {
    return this.run([RUNTIME, ...args], o);
  }

  makeBundle(name: string, o: BundleOptions = {}): { dir: string; spec: any } {
    const dir = join(this.dir, 'bundles', name);
    rmSync(dir, { recursive: true, force: true });
    ensureDir(join(this.dir, 'bundles'), this.hostUid, this.hostGid, 0o755);
    mkdirSync(dir);
    sh('cp', ['-a', rootfsTemplate(), join(dir, 'rootfs')], 'copy the rootfs');
    rmSync(join(dir, 'rootfs', '.complete'), { force: true });
    chownTree(dir, this.hostUid, this.hostGid);
    const r = this.runtime(['spec', ...(o.rootless ? ['--rootless'] : []), '--bundle', dir], { cwd: dir });
    if (r.status !== 0 || !existsSync(join(dir, 'config.json'))) {
      throw new Error(`harness: \`${RUNTIME_NAME} spec${o.rootless ? ' --rootless' : ''}\` failed in ${this.name} (exit ${r.status}): ${r.stderr.trim()}\n  ${r.cmd}`);
    }
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    spec.process.terminal = false;
    if (o.args) spec.process.args = o.args;
    o.edit?.(spec);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, '\t'));
    chownSync(join(dir, 'config.json'), this.hostUid, this.hostGid);
    return { dir, spec };
  }
}

/** 1: a real unprivileged user */
class RootlessEnv extends BaseEnv {
  name = 'rootless' as const;
  title = 'rootless user (runuser -u wrunctest)';
  get uid() { return testUser().uid; }
  get gid() { return testUser().gid; }
  get hostUid() { return this.uid; }
  get hostGid() { return this.gid; }
  get vars() {
    const u = testUser();
    return { USER: TEST_USER, LOGNAME: TEST_USER, HOME: u.home, XDG_RUNTIME_DIR: `/run/user/${u.uid}` };
  }
  setup(): void {
    state.user = recordingAdded(ensureUser);
    ensureDir(BASE, 0, 0, 0o755);
    ensureDir(this.dir, this.uid, this.gid, 0o755);
  }
  teardown(): void {
    killPids(this.strayProcesses().map((p) => p.pid));
    rmSync(this.dir, { recursive: true, force: true });
  }
  wrap(inner: string[]): string[] {
    return ['runuser', '-u', TEST_USER, '--', ...inner];
  }
  strayProcesses() {
    const u = lookupUser(TEST_USER);
    if (!u) return [];
    const inRange = (uid: number) => uid === u.uid || (uid >= USER_SUB.start && uid < USER_SUB.start + USER_SUB.count);
    // processes of the test user outside the dind holder's user namespace
    const dindNs = (() => { const p = readHolderPid(dindHolder()); return p ? procUserns(p) : null; })();
    return allPids()
      .filter((p) => p !== process.pid && inRange(procUid(p) ?? -1) && (!dindNs || procUserns(p) !== dindNs) && procLive(p))
      .filter((p) => { const c = procCmdline(p); return !/^(sleep infinity|unshare )/.test(c); })
      .map((pid) => ({ pid, cmd: procCmdline(pid) }));
  }
}

/** 2 and 3: root in the "LXD" user namespace (host ROOT_SUB) */
class LxdEnv extends BaseEnv {
  uid = 0;
  gid = 0;
  hostUid = ROOT_SUB.start;
  hostGid = ROOT_SUB.start;
  constructor(
    readonly name: 'userns-root' | 'userns-alice',
    readonly title: string,
    readonly delegate: boolean,
  ) {
    super();
  }
  get delegated(): { h: CgroupHierarchy; dir: string }[] {
    if (!this.delegate) return [];
    return cgroupHierarchies()
      .map((h) => ({ h, dir: join(h.mount, h.own, `wrunc-test-${this.name}`) }))
      .filter((d) => existsSync(d.dir));
  }
  get vars(): Record<string, string> {
    return this.name === 'userns-root'
      ? { USER: 'root' }
      : { USER: 'alice', XDG_RUNTIME_DIR: join(this.dir, 'xdg') };
  }
  holder(): Holder {
    const run = join(this.dir, 'run');
    const pidFile = join(this.dir, 'holder', 'pid');
    return {
      pidFile,
      runDir: run,
      runOwner: [ROOT_SUB.start, ROOT_SUB.start],
      start: () => ['setsid', 'unshare', '--user',
        `--map-users=${ROOT_SUB.start},0,${ROOT_SUB.count}`, `--map-groups=${ROOT_SUB.start},0,${ROOT_SUB.count}`,
        '--setuid', '0', '--setgid', '0', '--mount', '--propagation', 'private', '--fork',
        'sh', '-c', `mount --bind ${run} /run && echo $$ > ${pidFile} && exec sleep infinity`],
    };
  }
  hostPath(p: string): string {
    return p === '/run' || p.startsWith('/run/') ? join(this.dir, 'run', p.slice(4)) : p;
  }
  setup(): void {
    recordingAdded((added) => {
      addSubLine('/etc/subuid', `root:${ROOT_SUB.start}:${ROOT_SUB.count}`, added);
      addSubLine('/etc/subgid', `root:${ROOT_SUB.start}:${ROOT_SUB.count}`, added);
      ensureDir(BASE, 0, 0, 0o755);
      ensureDir(this.dir, this.hostUid, this.hostGid, 0o755);
      ensureDir(join(this.dir, 'run'), this.hostUid, this.hostGid, 0o755);
      ensureDir(join(this.dir, 'holder'), this.hostUid, this.hostGid, 0o755);
      if (this.name === 'userns-alice') ensureDir(join(this.dir, 'xdg'), this.hostUid, this.hostGid, 0o700);
      if (this.delegate) this.setupCgroups(added);
    });
    ensureHolder(this.holder(), this.name);
  }
  /** a cgroup in every hierarchy, under this process's own, owned by the namespace's root */
  setupCgroups(added: Added): void {
    let n = 0;
    for (const h of cgroupHierarchies()) {
      const dir = join(h.mount, h.own, `wrunc-test-${this.name}`);
      try {
        if (!existsSync(dir)) {
          mkdirSync(dir);
          if (!added.cgroups.includes(dir)) added.cgroups.push(dir);
        }
        if (h.controllers.split(',').includes('cpuset')) {
          for (const f of ['cpuset.cpus', 'cpuset.mems']) {
            if (readFileSync(join(dir, f), 'utf8').trim() === '') writeFileSync(join(dir, f), readFileSync(join(dir, '..', f), 'utf8'));
          }
        }
        chownSync(dir, this.hostUid, this.hostGid);
        for (const f of readdirSync(dir, { withFileTypes: true })) if (f.isFile()) chownSync(join(dir, f.name), this.hostUid, this.hostGid);
      } catch (e: any) {
        throw new Error(`harness: cannot delegate cgroup ${dir} to uid ${this.hostUid}: ${e.message}`);
      }
      n++;
    }
    if (!n) throw new Error('harness: no cgroup hierarchy is mounted: cannot delegate a cgroup');
  }
  /** the delegated directory of the hierarchy that has this controller ("memory", "pids", "" for cgroup2) */
  cgroupDir(controller: string): string | undefined {
    return this.delegated.find((d) => (controller === '' ? d.h.controllers === '' : d.h.controllers.split(',').includes(controller)))?.dir;
  }
  teardown(): void {
    stopHolder(this.holder());
    recordingAdded((added) => {
      for (const d of [...added.cgroups].filter((c) => c.endsWith(`/wrunc-test-${this.name}`))) {
        rmCgroupTree(d);
        added.cgroups = added.cgroups.filter((c) => c !== d);
      }
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
  wrap(inner: string[]): string[] {
    const pid = readHolderPid(this.holder());
    if (!pid) throw new Error(`harness: ${this.name} is not set up (no holder): call setup() first`);
    const enter = ['nsenter', '-t', String(pid), '-U', '-m', '--', ...inner];
    if (!this.delegate) return enter;
    if (!this.delegated.length) throw new Error(`harness: ${this.name}: the delegated cgroup is missing: call setup() first`);
    // Docker-in-LXD: the runtime starts inside the delegated subtree
    const join_ = this.delegated.map((d) => `echo $$ > ${d.dir}/cgroup.procs`).join(' && ');
    return ['sh', '-c', `${join_} && exec "$@"`, 'sh', ...enter];
  }
  strayProcesses() {
    const pid = readHolderPid(this.holder());
    if (!pid) return [];
    const ns = procUserns(pid);
    const parent = procPpid(pid);
    return allPids()
      .filter((p) => p !== pid && p !== parent && p !== process.pid && procUserns(p) === ns && procLive(p))
      .map((p) => ({ pid: p, cmd: procCmdline(p) }));
  }
}

/** the namespace of environments 4 and 5, made by the rootless user through newuidmap/newgidmap */
function dindHolder(): Holder {
  const dir = join(BASE, 'dind');
  const pidFile = join(dir, 'holder', 'pid');
  const run = join(dir, 'run');
  return {
    pidFile,
    runDir: run,
    runOwner: [0, 0],
    start: () => ['runuser', '-u', TEST_USER, '--', 'setsid', 'unshare', '--user', '--map-auto', '--map-root-user',
      '--mount', '--propagation', 'private', '--fork',
      'sh', '-c', `mount --bind ${run} /run && echo $$ > ${pidFile} && exec sleep infinity`],
  };
}

/** 4 and 5 */
class DindEnv extends BaseEnv {
  constructor(readonly name: 'dind-root' | 'dind-user', readonly title: string) {
    super();
  }
  get uid() { return this.name === 'dind-root' ? 0 : DIND_INNER_UID; }
  get gid() { return this.uid; }
  /** namespace id N is host USER_SUB.start + N - 1 for N >= 1; 0 is the test user */
  get hostUid() { return this.uid === 0 ? testUser().uid : USER_SUB.start + this.uid - 1; }
  get hostGid() { return this.gid === 0 ? testUser().gid : USER_SUB.start + this.gid - 1; }
  get vars(): Record<string, string> {
    return this.name === 'dind-root'
      // rootless docker keeps XDG_RUNTIME_DIR; with USER=root it must not decide where state goes
      ? { USER: 'root', XDG_RUNTIME_DIR: '/run/user/0' }
      : { USER: 'user', LOGNAME: 'user', HOME: '/tmp', XDG_RUNTIME_DIR: `/run/user/${DIND_INNER_UID}` };
  }
  get dir(): string { return join(BASE, 'dind', this.name); }
  hostPath(p: string): string {
    return p === '/run' || p.startsWith('/run/') ? join(BASE, 'dind', 'run', p.slice(4)) : p;
  }
  setup(): void {
    state.user = recordingAdded(ensureUser);
    const u = testUser();
    const inner = USER_SUB.start + DIND_INNER_UID - 1;
    ensureDir(BASE, 0, 0, 0o755);
    ensureDir(join(BASE, 'dind'), u.uid, u.gid, 0o755);
    ensureDir(join(BASE, 'dind', 'holder'), u.uid, u.gid, 0o755);
    ensureDir(join(BASE, 'dind', 'run'), u.uid, u.gid, 0o755);
    ensureDir(join(BASE, 'dind', 'run', 'user'), u.uid, u.gid, 0o755);
    ensureDir(join(BASE, 'dind', 'run', 'user', '0'), u.uid, u.gid, 0o700);
    ensureDir(join(BASE, 'dind', 'run', 'user', String(DIND_INNER_UID)), inner, inner, 0o700);
    ensureDir(this.dir, this.hostUid, this.hostGid, 0o755);
    ensureHolder(dindHolder(), 'rootless docker-in-docker');
  }
  teardown(): void {
    // the namespace is shared by dind-root and dind-user: the holder goes in teardownAll
    killPids(this.strayProcesses().map((p) => p.pid));
    rmSync(this.dir, { recursive: true, force: true });
  }
  wrap(inner: string[]): string[] {
    const pid = readHolderPid(dindHolder());
    if (!pid) throw new Error(`harness: ${this.name} is not set up (no holder): call setup() first`);
    const ids = this.uid === 0 ? [] : ['-S', String(this.uid), '-G', String(this.gid)];
    return ['runuser', '-u', TEST_USER, '--', 'nsenter', '-t', String(pid), '-U', '-m', ...ids, '--', ...inner];
  }
  strayProcesses() {
    const pid = readHolderPid(dindHolder());
    if (!pid) return [];
    const ns = procUserns(pid);
    const parent = procPpid(pid);
    return allPids()
      .filter((p) => p !== pid && p !== parent && procUserns(p) === ns && procLive(p))
      .filter((p) => {
        // both dind environments share the namespace; count this one's user only
        const uid = procUid(p);
        return uid === this.hostUid;
      })
      .map((p) => ({ pid: p, cmd: procCmdline(p) }));
  }
}

const envs: Record<EnvName, Env> = {
  rootless: new RootlessEnv(),
  'userns-root': new LxdEnv('userns-root', 'root in a user namespace, USER=root, delegated cgroup (Docker in LXD)', true),
  'userns-alice': new LxdEnv('userns-alice', 'root in a user namespace, USER=alice, XDG_RUNTIME_DIR, no cgroup access (rootless buildkit/podman)', false),
  'dind-root': new DindEnv('dind-root', 'root in the rootless user\'s namespace (rootless docker-in-docker), USER=root'),
  'dind-user': new DindEnv('dind-user', 'uid 1000 inside the rootless docker-in-docker namespace'),
};

export function getEnv(name: EnvName): Env {
  return envs[name];
}

/** the delegated cgroup directory of environment 2 for a controller ("memory", "pids", "" = cgroup2) */
export function delegatedCgroupDir(controller: string): string | undefined {
  return (envs['userns-root'] as LxdEnv).cgroupDir(controller);
}

/** undo everything setup added: holders, processes, cgroups, the test user, subuid/subgid lines */
export function teardownAll(): string[] {
  const problems: string[] = [];
  const attempt = (what: string, f: () => void) => {
    try { f(); } catch (e: any) { problems.push(`${what}: ${e.message}`); }
  };
  for (const n of ENV_NAMES) attempt(`teardown ${n}`, () => envs[n].teardown());
  attempt('stop the dind holder', () => stopHolder(dindHolder()));
  attempt('remove the dind dir', () => rmSync(join(BASE, 'dind'), { recursive: true, force: true }));
  const added = readAdded();
  for (const d of added.cgroups) attempt(`remove cgroup ${d}`, () => rmCgroupTree(d));
  added.cgroups = [];
  attempt('kill the test user\'s processes', () => killPids(allPids().filter((p) => procUid(p) === lookupUser(TEST_USER)?.uid && p !== process.pid)));
  if (added.user) {
    attempt(`userdel ${added.user.name}`, () => sh('userdel', ['-r', '-f', added.user!.name], 'delete the test user', { allowFail: true }));
    if (lookupUser(added.user.name)) problems.push(`userdel: ${added.user.name} still exists`);
    delete added.user;
  }
  // userdel drops the user's subid lines itself; remove what is left of ours
  for (const l of added.subuid) attempt(`remove ${l} from /etc/subuid`, () => removeSubLine('/etc/subuid', l));
  for (const l of added.subgid) attempt(`remove ${l} from /etc/subgid`, () => removeSubLine('/etc/subgid', l));
  added.subuid = [];
  added.subgid = [];
  for (const d of added.xdgRuntimeDirs) attempt(`remove ${d}`, () => rmSync(d, { recursive: true, force: true }));
  added.xdgRuntimeDirs = [];
  state.user = null;
  writeAdded(added);
  attempt('remove the harness dir', () => rmSync(BASE, { recursive: true, force: true }));
  return problems;
}

/** every cgroup directory named `name` on the machine */
export function findCgroups(name: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 8) return;
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      if (e.name === name) out.push(p);
      walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out;
}

export function hostRunDir(name: EnvName): string {
  return getEnv(name).hostPath('/run');
}
