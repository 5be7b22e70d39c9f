// podman as the real client of wrunc: a podman with its own storage (--root, --runroot, --tmpdir
// in one temporary directory, so tests never touch the machine's podman store), --runtime pointing
// at bin/wrunc, each call with a timeout and its output captured through files (conmon and the
// container may hold inherited pipes open long after podman returns).
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, WRUNC, type Run, type TempDir } from './helpers.js';

/** podman on PATH, or why not */
export function podmanMissing(): string | null {
  const r = spawnSync('podman', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    return 'podman is not installed: these tests run podman (the real client of a runc replacement) with --runtime bin/wrunc; install it with `apt-get install podman` (it brings conmon and golang-github-containers-common)';
  }
  return null;
}

/** the flags every container needs here: no network setup, rlimits no higher than the machine allows */
export const RUN_OPTS = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export interface Podman {
  dir: TempDir;
  /** runtime path given to podman */
  runtime: string;
  /** a wrapper named `runc` that execs bin/wrunc: podman then passes runc's extra flags (--log-format=json --log FILE) */
  runcAlias: string;
  global(runtime?: string): string[];
  run(args: string[], o?: { runtime?: string; input?: string; timeoutMs?: number }): Run;
  /** the same through script(1), so podman has a terminal (for -t) */
  runInPty(args: string[], o?: { runtime?: string; timeoutMs?: number }): Run;
  cleanup(): string[];
}

export function makePodman(): Podman {
  const dir = tempDir('wrunc-podman-');
  for (const d of ['root', 'runroot', 'tmp', 'bin', 'out']) mkdirSync(join(dir.path, d));
  const runcAlias = join(dir.path, 'bin', 'runc');
  writeFileSync(runcAlias, `#!/bin/sh\nexec ${WRUNC} "$@"\n`);
  chmodSync(runcAlias, 0o755);
  // overlay cannot stack on overlay (CI inside a container): vfs there; tiny images, so it costs little
  const fsType = spawnSync('stat', ['-f', '-c', '%T', dir.path], { encoding: 'utf8' }).stdout.trim();
  const driver = fsType === 'overlayfs' ? 'vfs' : 'overlay';

  const global = (runtime = WRUNC) => [
    '--root', join(dir.path, 'root'), '--runroot', join(dir.path, 'runroot'), '--tmpdir', join(dir.path, 'tmp'),
    '--storage-driver', driver, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', runtime,
  ];

  const capture = (cmd: string, args: string[], o: { input?: string; timeoutMs?: number }): Run => {
    const out = tempDir('wrunc-podman-out-');
    const outFile = join(out.path, 'stdout');
    const errFile = join(out.path, 'stderr');
    const outFd = openSync(outFile, 'w');
    const errFd = openSync(errFile, 'w');
    try {
      const r = spawnSync(cmd, args, {
        stdio: [o.input === undefined ? 'ignore' : 'pipe', outFd, errFd],
        input: o.input,
        timeout: o.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
      });
      if (r.error) throw r.error;
      const res = { status: r.status, signal: r.signal, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') };
      if (r.signal) res.stderr += `\n[${cmd} ${args.join(' ')}: killed by ${r.signal}: timed out?]`;
      return res;
    } finally {
      closeSync(outFd);
      closeSync(errFd);
      out.cleanup();
    }
  };

  const run: Podman['run'] = (args, o = {}) => capture('podman', [...global(o.runtime), ...args], o);
  const runInPty: Podman['runInPty'] = (args, o = {}) => {
    const line = ['podman', ...global(o.runtime), ...args].map(shellQuote).join(' ');
    return capture('script', ['-qec', line, '/dev/null'], o);
  };

  /** unmounts what podman's storage left mounted under our directory, removes it; returns what was left */
  const cleanup = (): string[] => {
    const left: string[] = [];
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
      .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(dir.path + '/'))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      const u = spawnSync('umount', ['-l', m], { encoding: 'utf8' });
      if (u.status !== 0) left.push(`mount ${m}: ${u.stderr.trim()}`);
    }
    try { dir.cleanup(); } catch (e) { left.push(`remove ${dir.path}: ${(e as Error).message}`); }
    return left;
  };

  return { dir, runtime: WRUNC, runcAlias, global, run, runInPty, cleanup };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** processes whose command line mentions path (conmon, podman cleanup, the containers' init) */
export function processesMentioning(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(path)) found.push(`${pid} ${cmd.slice(0, 200)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** cgroup directories of a container in any hierarchy (podman's cgroupfs manager: /libpod_parent/libpod-ID) */
export function containerCgroups(id: string): string[] {
  const found: string[] = [];
  if (!existsSync('/sys/fs/cgroup')) return found;
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((h) => `/sys/fs/cgroup/${h}`)];
  for (const r of roots) {
    const d = `${r}/libpod_parent/libpod-${id}`;
    if (existsSync(d)) found.push(d);
  }
  return found;
}

