// The benchmark's yardstick: the same decision rules and validation as the Wasm core, written the
// way a TypeScript host would write them without a core (JSON.parse, plain objects, Maps, regexps).
// It follows decision-core.md: the decision table, id map validation, mount option parsing, the
// spec type/required/value checks, and a plan of the same shape. It is not used by wrunc; it exists
// so that "the core costs X" has an honest comparison. bench/decision.ts checks on every run that
// its decisions and error codes equal the core's on the benchmarked inputs.
import type { Decision, Decisions, Facts, IdRange, Plan, PlanMount, PlanNamespace, PlanProcess, PlanSeccomp, Problem, Result } from '../../host/types.js';

const U32_MAX = 0xffffffff;
const MAX_MAP_ENTRIES = 340;

// MS_* from <sys/mount.h>, MOUNT_ATTR_* from <linux/mount.h>, CLONE_NEW* from <sched.h>.
const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128, NOSYMFOLLOW: 256,
  NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, REC: 16384, SILENT: 32768, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19,
  SHARED: 1 << 20, RELATIME: 1 << 21, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25 };
const ATTR = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000 };
const CLONE: Record<PlanNamespace['type'], number> = { user: 0x10000000, ipc: 0x08000000, uts: 0x04000000, network: 0x40000000,
  pid: 0x20000000, mount: 0x00020000, cgroup: 0x02000000, time: 0x00000080 };
const NS_ORDER: PlanNamespace['type'][] = ['user', 'ipc', 'uts', 'network', 'pid', 'mount', 'cgroup', 'time'];

// Mount options as runc's mountToRootfs/parseMountOptions understands them: [set?, flag].
const FLAG_OPTIONS = new Map<string, [boolean, number]>([
  ['async', [false, MS.SYNCHRONOUS]], ['atime', [false, MS.NOATIME]], ['bind', [true, MS.BIND]], ['defaults', [false, 0]],
  ['dev', [false, MS.NODEV]], ['diratime', [false, MS.NODIRATIME]], ['dirsync', [true, MS.DIRSYNC]], ['exec', [false, MS.NOEXEC]],
  ['iversion', [true, 1 << 23]], ['lazytime', [true, MS.LAZYTIME]], ['loud', [false, MS.SILENT]], ['mand', [true, MS.MANDLOCK]],
  ['noatime', [true, MS.NOATIME]], ['nodev', [true, MS.NODEV]], ['nodiratime', [true, MS.NODIRATIME]], ['noexec', [true, MS.NOEXEC]],
  ['noiversion', [false, 1 << 23]], ['nolazytime', [false, MS.LAZYTIME]], ['nomand', [false, MS.MANDLOCK]],
  ['norelatime', [false, MS.RELATIME]], ['nostrictatime', [false, MS.STRICTATIME]], ['nosuid', [true, MS.NOSUID]],
  ['nosymfollow', [true, MS.NOSYMFOLLOW]], ['rbind', [true, MS.BIND | MS.REC]], ['relatime', [true, MS.RELATIME]],
  ['remount', [true, MS.REMOUNT]], ['ro', [true, MS.RDONLY]], ['rw', [false, MS.RDONLY]], ['silent', [true, MS.SILENT]],
  ['strictatime', [true, MS.STRICTATIME]], ['suid', [false, MS.NOSUID]], ['symfollow', [false, MS.NOSYMFOLLOW]],
  ['sync', [true, MS.SYNCHRONOUS]],
]);
const PROPAGATION = new Map<string, number>([
  ['private', MS.PRIVATE], ['rprivate', MS.PRIVATE | MS.REC], ['shared', MS.SHARED], ['rshared', MS.SHARED | MS.REC],
  ['slave', MS.SLAVE], ['rslave', MS.SLAVE | MS.REC], ['unbindable', MS.UNBINDABLE], ['runbindable', MS.UNBINDABLE | MS.REC],
]);
const RECURSIVE_ATTR = new Map<string, [boolean, number]>([
  ['rro', [true, ATTR.RDONLY]], ['rrw', [false, ATTR.RDONLY]], ['rnosuid', [true, ATTR.NOSUID]], ['rsuid', [false, ATTR.NOSUID]],
  ['rnodev', [true, ATTR.NODEV]], ['rdev', [false, ATTR.NODEV]], ['rnoexec', [true, ATTR.NOEXEC]], ['rexec', [false, ATTR.NOEXEC]],
  ['rnodiratime', [true, ATTR.NODIRATIME]], ['rdiratime', [false, ATTR.NODIRATIME]], ['rnoatime', [true, ATTR.NOATIME]],
  ['rstrictatime', [true, ATTR.STRICTATIME]], ['rnosymfollow', [true, ATTR.NOSYMFOLLOW]], ['rsymfollow', [false, ATTR.NOSYMFOLLOW]],
]);
const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'];
const CAP_INDEX = new Map(CAPS.map((c, i) => [c, i]));
const RLIMITS = ['RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME'];
const RLIMIT_INDEX = new Map(RLIMITS.map((r, i) => [r, i]));
const COMMAND_NEEDS: Record<string, 'checkpointRestore' | 'cgroupFeatures'> = {
  checkpoint: 'checkpointRestore', restore: 'checkpointRestore', pause: 'cgroupFeatures', resume: 'cgroupFeatures', update: 'cgroupFeatures',
};

interface IdMapEntry { containerID: number; hostID: number; size: number }

class Checker {
  errors: Problem[] = [];
  warnings: Problem[] = [];
  error(code: string, path: string, message: string): void { this.errors.push({ code, path, message }); }

  isObject(v: unknown, path: string, required = false): v is Record<string, unknown> {
    if (v === undefined) { if (required) this.error('spec.required', path, `${path} is required`); return false; }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) { this.error('spec.type', path, `${path} must be an object`); return false; }
    return true;
  }
  isArray(v: unknown, path: string, required = false): v is unknown[] {
    if (v === undefined) { if (required) this.error('spec.required', path, `${path} is required`); return false; }
    if (!Array.isArray(v)) { this.error('spec.type', path, `${path} must be an array`); return false; }
    return true;
  }
  string(v: unknown, path: string, required = false): string | undefined {
    if (v === undefined) { if (required) this.error('spec.required', path, `${path} is required`); return undefined; }
    if (typeof v !== 'string') { this.error('spec.type', path, `${path} must be a string`); return undefined; }
    return v;
  }
  bool(v: unknown, path: string): boolean | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') { this.error('spec.type', path, `${path} must be true or false`); return undefined; }
    return v;
  }
  integer(v: unknown, path: string, min: number, max: number, required = false): number | undefined {
    if (v === undefined) { if (required) this.error('spec.required', path, `${path} is required`); return undefined; }
    if (typeof v !== 'number') { this.error('spec.type', path, `${path} must be a number`); return undefined; }
    // As the runtime-spec's JSON schema: integer-ness is the type, the range is the value.
    if (!Number.isInteger(v)) { this.error('spec.type', path, `${path} must be an integer`); return undefined; }
    if (v < min || v > max) { this.error('spec.value', path, `${path} must be from ${min} to ${max}`); return undefined; }
    return v;
  }
  strings(v: unknown, path: string, required = false): string[] {
    if (!this.isArray(v, path, required)) return [];
    const out: string[] = [];
    v.forEach((s, i) => { const x = this.string(s, `${path}/${i}`); if (x !== undefined) out.push(x); });
    return out;
  }
}

/** The facts with their documented defaults, or undefined (with facts.* errors) when they cannot be used. */
function parseFacts(c: Checker, input: unknown): Facts | undefined {
  const before = c.errors.length;
  const fact = (code: string, key: string, message: string) => c.error(code, key ? `/facts/${key}` : '/facts', message);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) { fact('facts.type', '', 'the facts must be an object'); return undefined; }
  const f = input as any;
  const o = (x: unknown) => (x !== null && typeof x === 'object' ? (x as any) : {});
  const flags = o(f.flags), cgroup = o(f.cgroup), helpers = o(f.idmapHelpers), env = o(f.env);
  for (const key of ['euid', 'egid'] as const) {
    if (f[key] === undefined) fact('facts.required', key, `${key} is required`);
    else if (!Number.isInteger(f[key]) || f[key] < 0 || f[key] > U32_MAX) fact(typeof f[key] === 'number' ? 'facts.value' : 'facts.type', key, `${key} must be an id`);
  }
  const rootless = flags.rootless ?? 'auto';
  if (!['auto', 'true', 'false'].includes(rootless)) fact('facts.value', 'flags/rootless', 'flags.rootless is auto, true or false');
  if (!['v1', 'v2', 'hybrid', 'none'].includes(cgroup.mode)) fact(cgroup.mode === undefined ? 'facts.required' : 'facts.value', 'cgroup/mode', 'cgroup.mode is v1, v2, hybrid or none');
  if (c.errors.length > before) return undefined;
  const ranges = (x: unknown): IdRange[] => (Array.isArray(x) ? x.filter((r) => Number.isInteger(r?.start) && Number.isInteger(r?.count)) : []);
  return {
    euid: f.euid, egid: f.egid,
    env: { USER: typeof env.USER === 'string' ? env.USER : undefined, XDG_RUNTIME_DIR: typeof env.XDG_RUNTIME_DIR === 'string' ? env.XDG_RUNTIME_DIR : undefined },
    uidMap: typeof f.uidMap === 'string' ? f.uidMap : '0 0 4294967295', gidMap: typeof f.gidMap === 'string' ? f.gidMap : '0 0 4294967295',
    flags: { rootless, systemdCgroup: flags.systemdCgroup === true, root: typeof flags.root === 'string' ? flags.root : null },
    systemdOwnerUid: typeof f.systemdOwnerUid === 'number' ? f.systemdOwnerUid : null,
    cgroup: { mode: cgroup.mode, writable: cgroup.writable === true },
    idmapHelpers: { newuidmap: helpers.newuidmap === true, newgidmap: helpers.newgidmap === true },
    subuid: ranges(f.subuid), subgid: ranges(f.subgid), criu: { available: o(f.criu).available === true },
    command: typeof f.command === 'string' ? f.command : '', containerId: typeof f.containerId === 'string' ? f.containerId : undefined,
    listenFds: Number.isInteger(f.listenFds) && f.listenFds > 0 ? f.listenFds : 0,
  };
}

/** /proc/self/uid_map text as entries (inside, outside, count). */
function parseProcMap(text: string): IdMapEntry[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [containerID, hostID, size] = l.split(/\s+/).map(Number);
    return { containerID, hostID, size };
  });
}

const isIdentity = (m: IdMapEntry[]) => m.length === 1 && m[0].containerID === 0 && m[0].hostID === 0 && m[0].size === U32_MAX;

/** The container side of an id map, sorted once, for "is every id in [start, start+count) mapped?" (entries may be adjacent). */
class Ranges {
  private readonly sorted: IdMapEntry[];
  constructor(entries: IdMapEntry[]) { this.sorted = [...entries].sort((a, b) => a.containerID - b.containerID); }
  covers(start: number, count: number): boolean {
    let next = start;
    const end = start + count;
    for (const e of this.sorted) {
      if (e.containerID > next) break;
      if (next < e.containerID + e.size) next = e.containerID + e.size;
      if (next >= end) return true;
    }
    return next >= end;
  }
}

const within = (ranges: IdRange[], start: number, count: number) => ranges.some((r) => start >= r.start && start + count <= r.start + r.count);
const d = <T>(value: T, reason: string): Decision<T> => ({ value, reason });

function decideTable(f: Facts, spec: any | undefined): Decisions {
  const ownUid = parseProcMap(f.uidMap);
  const inUserNamespace = !isIdentity(ownUid);
  const rootlessEuid = f.euid !== 0;
  const xdg = f.env.XDG_RUNTIME_DIR;
  const honor = !!xdg && (rootlessEuid || (inUserNamespace && f.env.USER !== 'root'));
  const stateRoot = f.flags.root ?? (honor ? `${xdg}/wrunc` : '/run/wrunc');
  let rootlessCgroups: Decision<boolean>;
  if (f.flags.rootless === 'true' || f.flags.rootless === 'false') rootlessCgroups = d(f.flags.rootless === 'true', 'flag: --rootless');
  else if (rootlessEuid) rootlessCgroups = d(true, 'euid: not root');
  else if (!inUserNamespace) rootlessCgroups = d(false, 'host: real root');
  else if (f.flags.systemdCgroup) rootlessCgroups = d((f.systemdOwnerUid ?? 0) !== 0, 'systemd: bus owner');
  else rootlessCgroups = d(!f.cgroup.writable, 'probe: cgroup writability');
  const cgroupManager = f.cgroup.mode === 'none' ? 'none' : f.flags.systemdCgroup ? 'systemd' : rootlessCgroups.value ? 'rootless-fs' : 'fs';
  const cgroupFeatures = f.cgroup.writable && f.cgroup.mode !== 'none';
  const deviceCgroup = f.cgroup.mode !== 'none' && f.cgroup.mode !== 'v2' && !inUserNamespace && !rootlessEuid;

  const ns = spec?.linux?.namespaces;
  const newUserns = Array.isArray(ns) && ns.some((n: any) => n?.type === 'user' && !n.path);
  const uidMaps: IdMapEntry[] = Array.isArray(spec?.linux?.uidMappings) ? spec.linux.uidMappings : [];
  const gidMaps: IdMapEntry[] = Array.isArray(spec?.linux?.gidMappings) ? spec.linux.gidMappings : [];
  const selfMap = (m: IdMapEntry[], id: number) => m.length === 1 && m[0].hostID === id && m[0].size === 1;
  const idmapWriter = !newUserns ? 'none' : (!rootlessEuid || (selfMap(uidMaps, f.euid) && selfMap(gidMaps, f.egid))) ? 'direct' : 'newidmap';
  const setgroups = rootlessEuid && idmapWriter === 'direct' ? 'deny' : 'allow';
  const gidsInUserns = new Ranges(newUserns ? gidMaps : parseProcMap(f.gidMap));
  const extra: unknown = spec?.process?.user?.additionalGids;
  const allMapped = !Array.isArray(extra) || extra.every((g) => typeof g === 'number' && gidsInUserns.covers(g, 1));
  return {
    inUserNamespace: d(inUserNamespace, 'uid_map: identity or not'),
    rootlessEuid: d(rootlessEuid, 'euid'),
    honorXdgRuntimeDir: d(honor, 'env: XDG_RUNTIME_DIR'),
    stateRoot: d(stateRoot, 'state: root'),
    rootlessCgroups,
    cgroupManager: d(cgroupManager, 'cgroup: manager'),
    cgroupFeatures: d(cgroupFeatures, 'cgroup: writable'),
    deviceCgroup: d(deviceCgroup, 'cgroup: device rules'),
    psSource: d(cgroupFeatures ? 'cgroup' : 'procfs', 'ps: source'),
    checkpointRestore: d(f.euid === 0 && f.criu.available, 'criu'),
    setgroups: d(setgroups, 'setgroups'),
    idmapWriter: d(idmapWriter, 'idmap: writer'),
    additionalGids: d(setgroups === 'allow' && allMapped, 'additional gids'),
  };
}

function checkIdMaps(c: Checker, f: Facts, dec: Decisions, maps: IdMapEntry[], kind: 'uid' | 'gid'): string {
  const path = `/linux/${kind}Mappings`;
  if (maps.length > MAX_MAP_ENTRIES) { c.error('idmap.invalid', path, `${path} has ${maps.length} entries; the kernel takes at most ${MAX_MAP_ENTRIES}`); return ''; }
  const own = new Ranges(parseProcMap(kind === 'uid' ? f.uidMap : f.gidMap));
  const allotted = kind === 'uid' ? f.subuid : f.subgid;
  const ownId = kind === 'uid' ? f.euid : f.egid;
  let lines = '';
  maps.forEach((m, i) => {
    const p = `${path}/${i}`;
    if (m.size === 0) { c.error('idmap.invalid', `${p}/size`, `${p} maps no ids: size must be at least 1`); return; }
    if (m.containerID + m.size > U32_MAX || m.hostID + m.size > U32_MAX) { c.error('idmap.invalid', `${p}/size`, `${p} runs past id 4294967294`); return; }
    for (let j = 0; j < i; j++) {
      const o = maps[j];
      if (m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size) { c.error('idmap.overlap', p, `${p} overlaps ${path}/${j} on the container side`); return; }
      if (m.hostID < o.hostID + o.size && o.hostID < m.hostID + m.size) { c.error('idmap.overlap', p, `${p} overlaps ${path}/${j} on the host side`); return; }
    }
    if (!own.covers(m.hostID, m.size)) { c.error('idmap.host-unmapped', `${p}/hostID`, `${p}: host ids ${m.hostID}..${m.hostID + m.size - 1} are not mapped in the runtime's namespace`); return; }
    if (dec.rootlessEuid.value && !(m.size === 1 && m.hostID === ownId) && !within(allotted, m.hostID, m.size)) {
      c.error('idmap.not-allotted', `${p}/hostID`, `${p}: host ids are neither your own ${kind} nor in /etc/sub${kind}`); return;
    }
    lines += `${m.containerID} ${m.hostID} ${m.size}\n`;
  });
  if (dec.idmapWriter.value === 'newidmap' && !f.idmapHelpers[kind === 'uid' ? 'newuidmap' : 'newgidmap']) {
    c.error('idmap.helper-missing', path, `new${kind}map is needed to write this map: install the uidmap package`);
  }
  return lines;
}

function readMappings(c: Checker, v: unknown, path: string): IdMapEntry[] {
  if (!c.isArray(v, path)) return [];
  return v.flatMap((e, i) => {
    const p = `${path}/${i}`;
    if (!c.isObject(e, p, true)) return [];
    const containerID = c.integer(e.containerID, `${p}/containerID`, 0, U32_MAX, true);
    const hostID = c.integer(e.hostID, `${p}/hostID`, 0, U32_MAX, true);
    const size = c.integer(e.size, `${p}/size`, 0, U32_MAX, true);
    return containerID === undefined || hostID === undefined || size === undefined ? [] : [{ containerID, hostID, size }];
  });
}

function parseMount(c: Checker, m: Record<string, unknown>, i: number, idsIn: { uid: Ranges; gid: Ranges }): PlanMount | undefined {
  const p = `/mounts/${i}`;
  const destination = c.string(m.destination, `${p}/destination`, true);
  const type = c.string(m.type, `${p}/type`) ?? '';
  const source = c.string(m.source, `${p}/source`) ?? '';
  const options = c.strings(m.options, `${p}/options`);
  let flags = 0, clearFlags = 0, attrSet = 0, attrClr = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let copyUp = false;
  options.forEach((o, j) => {
    const op = `${p}/options/${j}`;
    if (o === 'tmpcopyup') { copyUp = true; return; }
    const flag = FLAG_OPTIONS.get(o);
    if (flag) { if (flag[0]) { flags |= flag[1]; clearFlags &= ~flag[1]; } else { flags &= ~flag[1]; clearFlags |= flag[1]; } return; }
    const prop = PROPAGATION.get(o);
    if (prop !== undefined) { propagation.push(prop); return; }
    const attr = RECURSIVE_ATTR.get(o);
    if (attr) { if (attr[0]) attrSet |= attr[1]; else attrClr |= attr[1]; return; }
    const id = /^(uid|gid)=(.*)$/.exec(o);
    if (id) {
      if (!/^\d{1,10}$/.test(id[2]) || Number(id[2]) > U32_MAX) { c.error('mount.option', op, `${op}: ${id[1]}= takes a number from 0 to 4294967295`); return; }
      if (!idsIn[id[1] as 'uid' | 'gid'].covers(Number(id[2]), 1)) {
        c.error('mount.unmapped-id', op, `${op}: ${o} is not mapped in the user namespace the mount is made in`); return;
      }
    }
    data.push(o);
  });
  if (destination === undefined) return undefined;
  if (type === 'bind') flags |= MS.BIND;
  return { destination, source, type, flags, clearFlags, propagation, attrSet, attrClr, data: data.join(','), copyUp, index: i };
}

function parseProcess(c: Checker, f: Facts, pr: Record<string, unknown>, dec: Decisions, idsIn: { uid: Ranges; gid: Ranges }): PlanProcess | null {
  const user = c.isObject(pr.user, '/process/user', true) ? pr.user : {};
  const uid = c.integer(user.uid, '/process/user/uid', 0, U32_MAX, true);
  const gid = c.integer(user.gid, '/process/user/gid', 0, U32_MAX, true);
  if (uid !== undefined && !idsIn.uid.covers(uid, 1)) c.error('user.unmapped', '/process/user/uid', `uid ${uid} is not mapped in the container's user namespace`);
  if (gid !== undefined && !idsIn.gid.covers(gid, 1)) c.error('user.unmapped', '/process/user/gid', `gid ${gid} is not mapped in the container's user namespace`);
  const additionalGids: number[] = [];
  if (c.isArray(user.additionalGids, '/process/user/additionalGids')) {
    user.additionalGids.forEach((g, i) => { const x = c.integer(g, `/process/user/additionalGids/${i}`, 0, U32_MAX); if (x !== undefined) additionalGids.push(x); });
    if (additionalGids.length && dec.setgroups.value === 'deny') {
      c.error('user.additional-gids', '/process/user/additionalGids', 'additionalGids need setgroups, which a directly written gid map denies: map through newgidmap');
    } else {
      const unmapped = additionalGids.filter((g) => !idsIn.gid.covers(g, 1));
      if (unmapped.length) c.error('user.additional-gids', '/process/user/additionalGids', `gids ${unmapped.join(', ')} are not mapped in the container's user namespace`);
    }
  }
  const args = c.strings(pr.args, '/process/args', true);
  const listenFds = f.command === 'create' || f.command === 'run' ? f.listenFds ?? 0 : 0;
  const env = c.strings(pr.env, '/process/env');
  if (listenFds > 0) env.push(`LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1');
  const cwd = c.string(pr.cwd, '/process/cwd', true) ?? '/';
  const caps = { bounding: 0, effective: 0, inheritable: 0, permitted: 0, ambient: 0 };
  if (c.isObject(pr.capabilities, '/process/capabilities')) {
    for (const set of Object.keys(caps) as (keyof typeof caps)[]) {
      c.strings(pr.capabilities[set], `/process/capabilities/${set}`).forEach((name, i) => {
        const bit = CAP_INDEX.get(name);
        if (bit === undefined) c.warnings.push({ code: 'capability.unknown', path: `/process/capabilities/${set}/${i}`, message: `${name} is not a known capability; dropped` });
        else caps[set] += 2 ** bit;
      });
    }
  }
  const rlimits: PlanProcess['rlimits'] = [];
  if (c.isArray(pr.rlimits, '/process/rlimits')) {
    pr.rlimits.forEach((r, i) => {
      const p = `/process/rlimits/${i}`;
      if (!c.isObject(r, p, true)) return;
      const type = c.string(r.type, `${p}/type`, true);
      const resource = type === undefined ? undefined : RLIMIT_INDEX.get(type);
      if (type !== undefined && resource === undefined) c.error('spec.value', `${p}/type`, `${type} is not an rlimit`);
      const soft = c.integer(r.soft, `${p}/soft`, 0, Number.MAX_SAFE_INTEGER, true);
      const hard = c.integer(r.hard, `${p}/hard`, 0, Number.MAX_SAFE_INTEGER, true);
      if (type !== undefined && resource !== undefined && soft !== undefined && hard !== undefined) rlimits.push({ type, resource, soft: String(soft), hard: String(hard) });
    });
  }
  const consoleSize = c.isObject(pr.consoleSize, '/process/consoleSize')
    ? { height: c.integer(pr.consoleSize.height, '/process/consoleSize/height', 0, U32_MAX, true) ?? 0, width: c.integer(pr.consoleSize.width, '/process/consoleSize/width', 0, U32_MAX, true) ?? 0 }
    : null;
  return {
    terminal: c.bool(pr.terminal, '/process/terminal') ?? false, consoleSize, args, env, cwd, uid: uid ?? 0, gid: gid ?? 0,
    umask: c.integer(user.umask, '/process/user/umask', 0, U32_MAX) ?? null, additionalGids,
    noNewPrivileges: c.bool(pr.noNewPrivileges, '/process/noNewPrivileges') ?? false,
    oomScoreAdj: c.integer(pr.oomScoreAdj, '/process/oomScoreAdj', -1000, 1000) ?? null,
    apparmorProfile: c.string(pr.apparmorProfile, '/process/apparmorProfile') ?? '', selinuxLabel: c.string(pr.selinuxLabel, '/process/selinuxLabel') ?? '',
    capabilities: caps, rlimits,
    // The benchmarked specs have neither; present ones are validated no further here.
    ioPriority: null, scheduler: null, listenFds,
  };
}

function planSpec(c: Checker, f: Facts, dec: Decisions, spec: unknown): Plan | null {
  if (!c.isObject(spec, '', true)) return null;
  const ociVersion = c.string(spec.ociVersion, '/ociVersion', true) ?? '';
  const root = c.isObject(spec.root, '/root') ? { path: c.string(spec.root.path, '/root/path', true) ?? '', readonly: c.bool(spec.root.readonly, '/root/readonly') ?? false } : { path: 'rootfs', readonly: false };
  const linux = c.isObject(spec.linux, '/linux') ? spec.linux : {};
  const namespaces: PlanNamespace[] = [];
  const seen = new Set<string>();
  if (c.isArray(linux.namespaces, '/linux/namespaces')) {
    linux.namespaces.forEach((n, i) => {
      const p = `/linux/namespaces/${i}`;
      if (!c.isObject(n, p, true)) return;
      const type = c.string(n.type, `${p}/type`, true);
      const path = c.string(n.path, `${p}/path`) ?? null;
      if (type === undefined) return;
      if (!(type in CLONE)) { c.error('spec.value', `${p}/type`, `${type} is not a namespace type`); return; }
      if (seen.has(type)) { c.error('spec.value', `${p}/type`, `namespace ${type} appears twice`); return; }
      seen.add(type);
      namespaces.push({ type: type as PlanNamespace['type'], flag: CLONE[type as PlanNamespace['type']], path });
    });
  }
  namespaces.sort((a, b) => NS_ORDER.indexOf(a.type) - NS_ORDER.indexOf(b.type));
  const newUserNamespace = namespaces.some((n) => n.type === 'user' && n.path === null);
  const uidMaps = readMappings(c, linux.uidMappings, '/linux/uidMappings');
  const gidMaps = readMappings(c, linux.gidMappings, '/linux/gidMappings');
  if (dec.rootlessEuid.value && !namespaces.some((n) => n.type === 'user')) c.error('rootless.userns-required', '/linux/namespaces', 'a rootless container needs a user namespace: add {"type": "user"} to linux.namespaces');
  if (dec.rootlessEuid.value && newUserNamespace && uidMaps.length === 0) c.error('rootless.uidmap-required', '/linux/uidMappings', 'a rootless user namespace needs linux.uidMappings');
  if (dec.rootlessEuid.value && newUserNamespace && gidMaps.length === 0) c.error('rootless.gidmap-required', '/linux/gidMappings', 'a rootless user namespace needs linux.gidMappings');
  const uidMap = newUserNamespace ? checkIdMaps(c, f, dec, uidMaps, 'uid') : '';
  const gidMap = newUserNamespace ? checkIdMaps(c, f, dec, gidMaps, 'gid') : '';
  // Ids in mount options and process.user live in the spec's new user namespace, else in the runtime's own.
  const idsIn = newUserNamespace ? { uid: new Ranges(uidMaps), gid: new Ranges(gidMaps) } : { uid: new Ranges(parseProcMap(f.uidMap)), gid: new Ranges(parseProcMap(f.gidMap)) };
  const mounts: PlanMount[] = [];
  if (c.isArray(spec.mounts, '/mounts')) {
    spec.mounts.forEach((m, i) => { if (c.isObject(m, `/mounts/${i}`, true)) { const pm = parseMount(c, m, i, idsIn); if (pm) mounts.push(pm); } });
  }
  const process = c.isObject(spec.process, '/process') ? parseProcess(c, f, spec.process, dec, idsIn) : null;
  const hostname = c.string(spec.hostname, '/hostname') ?? null;
  if (hostname !== null && !namespaces.some((n) => n.type === 'uts')) {
    c.error('spec.value', '/hostname', 'hostname needs a UTS namespace of the container\'s own: add {"type": "uts"} to linux.namespaces');
  }
  const rootfsPropagation = linux.rootfsPropagation === undefined ? MS.SLAVE | MS.REC : PROPAGATION.get(c.string(linux.rootfsPropagation, '/linux/rootfsPropagation') ?? '');
  if (rootfsPropagation === undefined) c.error('spec.value', '/linux/rootfsPropagation', 'rootfsPropagation must be a propagation mode');
  const cgroupsPath = c.string(linux.cgroupsPath, '/linux/cgroupsPath') ?? `/${f.containerId ?? ''}`;
  const writes: Plan['cgroup']['writes'] = [];
  const resources = c.isObject(linux.resources, '/linux/resources') ? linux.resources : {};
  if (c.isObject(resources.memory, '/linux/resources/memory')) {
    const limit = c.integer(resources.memory.limit, '/linux/resources/memory/limit', -1, Number.MAX_SAFE_INTEGER);
    if (limit !== undefined) writes.push(f.cgroup.mode === 'v2' ? { controller: '', file: 'memory.max', value: limit < 0 ? 'max' : String(limit) } : { controller: 'memory', file: 'memory.limit_in_bytes', value: String(limit) });
  }
  if (c.isObject(resources.pids, '/linux/resources/pids')) {
    const limit = c.integer(resources.pids.limit, '/linux/resources/pids/limit', -1, Number.MAX_SAFE_INTEGER, true);
    if (limit !== undefined) writes.push(f.cgroup.mode === 'v2' ? { controller: '', file: 'pids.max', value: limit <= 0 ? 'max' : String(limit) } : { controller: 'pids', file: 'pids.max', value: limit <= 0 ? 'max' : String(limit) });
  }
  if (c.isArray(resources.devices, '/linux/resources/devices')) {
    resources.devices.forEach((dv, i) => {
      const p = `/linux/resources/devices/${i}`;
      if (!c.isObject(dv, p, true)) return;
      if (typeof dv.allow !== 'boolean') c.error(dv.allow === undefined ? 'spec.required' : 'spec.type', `${p}/allow`, `${p}/allow must be true or false`);
      const access = c.string(dv.access, `${p}/access`);
      if (access !== undefined && !/^[rwm]*$/.test(access)) c.error('spec.value', `${p}/access`, 'access is a combination of r, w and m');
    });
  }
  const hook = { prestart: [], createRuntime: [], createContainer: [], startContainer: [], poststart: [], poststop: [] };
  return {
    ociVersion, root, hostname, domainname: c.string(spec.domainname, '/domainname') ?? null,
    namespaces, cloneFlags: namespaces.filter((n) => n.path === null).reduce((a, n) => a | n.flag, 0), newUserNamespace, uidMap, gidMap,
    mounts, rootfsPropagation: rootfsPropagation ?? 0, devices: [], process,
    maskedPaths: c.strings(linux.maskedPaths, '/linux/maskedPaths'), readonlyPaths: c.strings(linux.readonlyPaths, '/linux/readonlyPaths'),
    sysctl: c.isObject(linux.sysctl, '/linux/sysctl') ? Object.entries(linux.sysctl).map(([key, value]) => ({ key, value: String(value) })) : [],
    cgroup: { path: cgroupsPath, relative: !cgroupsPath.startsWith('/'), writes }, hooks: hook, seccomp: parseSeccomp(c, linux.seccomp),
    personality: null, timeOffsets: null,
    annotations: c.isObject(spec.annotations, '/annotations') ? Object.entries(spec.annotations).map(([key, value]) => ({ key, value: String(value) })) : [],
    mountLabel: c.string(linux.mountLabel, '/linux/mountLabel') ?? '',
  };
}

function parseSeccomp(c: Checker, v: unknown): PlanSeccomp | null {
  if (!c.isObject(v, '/linux/seccomp')) return null;
  const syscalls: PlanSeccomp['syscalls'] = [];
  if (c.isArray(v.syscalls, '/linux/seccomp/syscalls')) {
    v.syscalls.forEach((sc, i) => {
      const p = `/linux/seccomp/syscalls/${i}`;
      if (!c.isObject(sc, p, true)) return;
      syscalls.push({ names: c.strings(sc.names, `${p}/names`, true), action: c.string(sc.action, `${p}/action`, true) ?? '',
        errnoRet: c.integer(sc.errnoRet, `${p}/errnoRet`, 0, U32_MAX) ?? null, args: [] });
    });
  }
  return {
    defaultAction: c.string(v.defaultAction, '/linux/seccomp/defaultAction', true) ?? '',
    defaultErrnoRet: c.integer(v.defaultErrnoRet, '/linux/seccomp/defaultErrnoRet', 0, U32_MAX) ?? null,
    architectures: c.strings(v.architectures, '/linux/seccomp/architectures'), flags: c.strings(v.flags, '/linux/seccomp/flags'),
    listenerPath: c.string(v.listenerPath, '/linux/seccomp/listenerPath') ?? '', listenerMetadata: c.string(v.listenerMetadata, '/linux/seccomp/listenerMetadata') ?? '',
    syscalls,
  };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** decide() in plain TypeScript: facts as the host holds them, config.json as read from disk. */
export function decideBaseline(factsInput: unknown, config: Uint8Array): Result {
  const c = new Checker();
  const facts = parseFacts(c, factsInput);
  if (!facts) return { abi: 1, ok: false, errors: c.errors, warnings: [], decisions: null, plan: null };
  let spec: unknown;
  if (config.length) {
    // JSON.parse says where the text broke only as an offset, so syntax errors point at "" here.
    try { spec = JSON.parse(decoder.decode(config)); } catch (e) { c.error('spec.syntax', '', `config.json is not valid JSON: ${(e as Error).message}`); }
  }
  const decisions = decideTable(facts, spec);
  const plan = spec === undefined ? null : planSpec(c, facts, decisions, spec);
  const need = COMMAND_NEEDS[facts.command];
  if (need && !decisions[need].value) c.error('command.unavailable', '/facts/command', `${facts.command} needs ${need}, which this environment does not have`);
  const ok = c.errors.length === 0;
  return { abi: 1, ok, errors: c.errors, warnings: c.warnings, decisions, plan: ok ? plan : null };
}
