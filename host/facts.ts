// Measures this machine into the core's Facts. Each fact is read, not inferred, and only the ones a
// command needs cost anything: the cgroup probe runs for commands that make or use cgroups, and
// `criu check` (slow: it forks and probes the kernel) only where checkpointing is decided.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { probeWritable } from './cgroups/probe.js';
import { cgroupLayout } from './cgroups/layout.js';
import type { Facts, IdRange } from './types.js';

export interface FactRequest {
  command: string;
  flags: Facts['flags'];
  containerId?: string;
  /** linux.cgroupsPath from config.json, when the command has one */
  cgroupsPath?: string;
}

const PROBES_CGROUPS = new Set(['create', 'run', 'explain', 'features', 'pause', 'resume', 'update', 'ps', 'events', 'restore']);
const NEEDS_CRIU = new Set(['checkpoint', 'restore', 'explain', 'features']);
const IDENTITY_MAP = '         0          0 4294967295\n';

export function gatherFacts(req: FactRequest): Facts {
  const euid = process.geteuid!();
  const egid = process.getegid!();
  const layout = cgroupLayout();
  const user = userName(euid);
  return {
    euid,
    egid,
    env: pickEnv(process.env),
    uidMap: readOr('/proc/self/uid_map', IDENTITY_MAP),
    gidMap: readOr('/proc/self/gid_map', IDENTITY_MAP),
    flags: req.flags,
    systemdOwnerUid: null,
    cgroup: {
      mode: layout.mode,
      writable: PROBES_CGROUPS.has(req.command) && layout.mode !== 'none'
        ? probeWritable(layout, req.cgroupsPath ?? `/${req.containerId ?? 'wrunc-probe'}`)
        : false,
    },
    idmapHelpers: { newuidmap: onPath('newuidmap'), newgidmap: onPath('newgidmap') },
    subuid: subIds(readOr('/etc/subuid', ''), user, euid),
    subgid: subIds(readOr('/etc/subgid', ''), user, euid),
    criu: { available: NEEDS_CRIU.has(req.command) && criuPasses(euid) },
    command: req.command,
    ...(req.containerId !== undefined ? { containerId: req.containerId } : {}),
    listenFds: listenFds(process.env),
  };
}

/** sd_listen_fds(3): the fds are ours only when LISTEN_PID names this process */
function listenFds(env: NodeJS.ProcessEnv): number {
  const n = Number(env.LISTEN_FDS);
  return env.LISTEN_PID === String(process.pid) && Number.isInteger(n) && n > 0 ? n : 0;
}

export function pickEnv(env: NodeJS.ProcessEnv): Facts['env'] {
  const out: Facts['env'] = {};
  if (env.USER !== undefined) out.USER = env.USER;
  if (env.XDG_RUNTIME_DIR !== undefined) out.XDG_RUNTIME_DIR = env.XDG_RUNTIME_DIR;
  return out;
}

/** /etc/subuid lines "name-or-uid:start:count" that belong to this user, by name or by uid */
export function subIds(text: string, user: string | null, uid: number): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (count === undefined || !(who === user || who === String(uid))) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s >= 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

function userName(uid: number): string | null {
  try {
    return userInfo().uid === uid ? userInfo().username : null;
  } catch {
    return null;
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function onPath(name: string): boolean {
  const dirs = (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  return dirs.some((d) => {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Whether `criu check` passes, cached per boot: the answer only changes with the kernel, and the
 * check costs a few hundred milliseconds. The cache sits in /run for root (tmpfs, gone at reboot)
 * and in the user's own runtime or temp directory otherwise; the boot id in the file guards both.
 */
function criuPasses(euid: number): boolean {
  if (!onPath('criu')) return false;
  const boot = readOr('/proc/sys/kernel/random/boot_id', '').trim();
  const dir = euid === 0 ? '/run/wrunc' : (process.env.XDG_RUNTIME_DIR || tmpdir());
  const cache = `${dir}/criu-check-${euid}`;
  const [cachedBoot, cachedAnswer] = readOr(cache, '').split(' ');
  if (boot && cachedBoot === boot) return cachedAnswer === 'pass';
  let pass = false;
  try {
    execFileSync('criu', ['check'], { stdio: 'ignore', timeout: 10_000 });
    pass = true;
  } catch {
    pass = false;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${cache}.${process.pid}`, `${boot} ${pass ? 'pass' : 'fail'}`);
    renameSync(`${cache}.${process.pid}`, cache);
  } catch {
    // an unwritable cache only costs the next caller another check
  }
  return pass;
}
