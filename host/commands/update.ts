// `wrunc update`: changes a live container's cgroup limits with runc's flags or a LinuxResources
// JSON (-r FILE, "-" for stdin). Input is checked before anything is written. The conversion to
// cgroup files (v1 names, v2 names and runc's v2 conversions) is the core's: update hands it a
// spec holding only the new resources and applies plan.cgroup.writes. The container's state keeps
// plan.cgroup.writes current, so it always says what was last written.
import { readFileSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { CgroupManager } from '../cgroups/manager.js';
import { applyWrites, readResource } from '../cgroups/resources.js';
import { writeState, type ContainerRecord } from '../state.js';
import type { PlanCgroup } from '../types.js';
import { decideFor, withLocked, type CommandDef, type Ctx } from './context.js';

type Section = Record<string, unknown>;
/** the parts of linux.resources update changes, as runc's update does */
interface Resources { memory?: Section; cpu?: Section; blockIO?: Section; pids?: Section; unified?: Section }
type Write = PlanCgroup['writes'][number];

// runc's flags: name → [linux.resources section, field, how the text is read]
type Reader = 'bytes' | 'uint' | 'int' | 'cpulist';
const FLAGS: [string, keyof Resources, string, Reader][] = [
  ['memory', 'memory', 'limit', 'bytes'],
  ['memory-swap', 'memory', 'swap', 'bytes'],
  ['memory-reservation', 'memory', 'reservation', 'bytes'],
  ['kernel-memory', 'memory', 'kernel', 'bytes'],
  ['kernel-memory-tcp', 'memory', 'kernelTCP', 'bytes'],
  ['cpu-share', 'cpu', 'shares', 'uint'],
  ['cpu-period', 'cpu', 'period', 'uint'],
  ['cpu-quota', 'cpu', 'quota', 'int'],
  ['cpu-rt-period', 'cpu', 'realtimePeriod', 'uint'],
  ['cpu-rt-runtime', 'cpu', 'realtimeRuntime', 'int'],
  ['cpuset-cpus', 'cpu', 'cpus', 'cpulist'],
  ['cpuset-mems', 'cpu', 'mems', 'cpulist'],
  ['blkio-weight', 'blockIO', 'weight', 'uint'],
  ['pids-limit', 'pids', 'limit', 'int'],
];

const READER_HINT: Record<Reader, string> = {
  bytes: ' (bytes, k/m/g/t/p suffixes; -1 = unlimited)',
  uint: '',
  int: ' (-1 = unlimited)',
  cpulist: ' (e.g. 0-2,4)',
};

/** fields where 0 or "" means "leave as is" (runc's update starts from zeros) */
const UNCHANGED_WHEN_ZERO = new Set(['limit', 'swap', 'reservation', 'shares', 'period', 'quota', 'realtimePeriod', 'realtimeRuntime', 'cpus', 'mems', 'weight']);

export const update: CommandDef = {
  command: 'update <container-id>',
  describe: 'update container resource constraints',
  builder: (y) => {
    let b = y
      .positional('container-id', { type: 'string', describe: 'the container to update' })
      // nargs 1: the value may be "-" or start with a dash ("-1"), which yargs would otherwise read as a flag
      .option('resources', { alias: 'r', type: 'string', nargs: 1, describe: 'a file with a LinuxResources JSON object, or - for stdin; the other flags are then ignored' });
    for (const [flag, section, field, reader] of FLAGS) {
      const describe = `sets linux.resources.${section}.${field}${READER_HINT[reader]}`;
      b = b.option(flag, { type: 'string', nargs: 1, describe, ...(flag === 'cpu-share' ? { alias: 'cpu-shares' } : {}) });
    }
    return b;
  },
  run(ctx, a: Record<string, string | string[] | undefined> & { id: string }) {
    const resources = last(a.resources);
    const wanted = resources !== undefined ? fromJson(readInput(resources)) : fromFlags(a);
    checkValues(wanted);
    if (wanted.memory && ('kernel' in wanted.memory || 'kernelTCP' in wanted.memory)) {
      ctx.log.warn('kernel memory settings are ignored: the kernel no longer supports kernel memory limits');
      delete wanted.memory.kernel;
      delete wanted.memory.kernelTCP;
    }
    withLocked(ctx, 'update', a.id, (c) => {
      if (c.status === 'stopped') throw new WruncError('container.not-running', `container ${a.id} is not running; only a live container's limits can change`);
      if (!c.cg) throw new WruncError('container.no-cgroup', `container ${a.id} was created without a cgroup, so it has no limits to update`);
      // strict even where the container's manager tolerates errors: these limits were asked for
      const cg = new CgroupManager(c.cg.paths, false, (m) => ctx.log.warn(m));
      keepQuota(cg, wanted);
      const writes = writesFor(ctx, c.rec, wanted);
      const { applied, error } = applyWrites(cg, writes);
      c.rec.plan.cgroup.writes = merged(c.rec.plan.cgroup.writes, applied);
      writeState(c.dir, c.rec);
      if (error) throw error;
    });
    return 0;
  },
};

function readInput(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new WruncError('update.input', `cannot read ${path === '-' ? 'the standard input' : path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WruncError('update.input', `${path === '-' ? 'the standard input' : path} is not JSON (${(e as Error).message}); give a LinuxResources object such as {"memory":{"limit":104857600}}`);
  }
}

/** the sections runc's update takes from a LinuxResources object, without the unchanged fields */
function fromJson(v: unknown): Resources {
  if (!isObject(v)) throw new WruncError('update.input', 'the resources must be a JSON object (LinuxResources), such as {"pids":{"limit":100}}');
  const out: Resources = {};
  for (const key of ['memory', 'cpu', 'pids', 'unified'] as const) {
    if (v[key] === undefined) continue;
    if (!isObject(v[key])) throw new WruncError('update.input', `resources.${key} must be an object`);
    out[key] = { ...v[key] };
  }
  if (isObject(v.blockIO) && v.blockIO.weight !== undefined) out.blockIO = { weight: v.blockIO.weight };
  return withoutUnchanged(out);
}

function fromFlags(a: Record<string, string | string[] | undefined>): Resources {
  const out: Resources = {};
  for (const [flag, section, field, reader] of FLAGS) {
    const text = last(a[flag]);
    if (text === undefined) continue;
    (out[section] ??= {})[field] = readFlag(flag, text, reader);
  }
  return withoutUnchanged(out);
}

/** a repeated flag's last value, as Go's flag package keeps */
function last(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.at(-1) : v;
}

function readFlag(flag: string, text: string, reader: Reader): number | string {
  if (reader === 'cpulist') return text;
  if (reader === 'bytes') {
    if (text === '-1') return -1;
    const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
    const bytes = m ? Math.trunc(Number(m[1]) * 1024 ** ' kmgtp'.indexOf((m[2] ?? ' ').toLowerCase())) : NaN;
    if (!Number.isSafeInteger(bytes)) throw new WruncError('update.invalid', `invalid value for --${flag}: ${JSON.stringify(text)}; give bytes with an optional k, m, g, t or p suffix, or -1 for unlimited`);
    return bytes;
  }
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || (reader === 'uint' && n < 0)) {
    throw new WruncError('update.invalid', `invalid value for --${flag}: ${JSON.stringify(text)}; give a ${reader === 'uint' ? 'non-negative ' : ''}whole number`);
  }
  return n;
}

function withoutUnchanged(r: Resources): Resources {
  for (const section of Object.values(r) as Section[]) {
    for (const [k, v] of Object.entries(section)) if (UNCHANGED_WHEN_ZERO.has(k) && (v === 0 || v === '')) delete section[k];
  }
  return r;
}

/**
 * What the core's spec rules accept but update must not: a limit below -1 (runc silently makes a
 * negative pids limit unlimited), numbers JSON cannot carry exactly, and CPU lists the kernel
 * would refuse halfway through the writes.
 */
function checkValues(r: Resources): void {
  for (const [name, section] of Object.entries(r) as [string, Section][]) {
    for (const [k, v] of Object.entries(section)) {
      const where = `${name}.${k}`;
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new WruncError('update.invalid', `${where} is ${v}; give a whole number of at most 2^53`);
      if (typeof v === 'number' && v < -1) throw new WruncError('update.invalid', `${where} is ${v}; a limit is a non-negative number, or -1 for unlimited`);
      if ((k === 'cpus' || k === 'mems') && typeof v === 'string' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) {
        throw new WruncError('update.invalid', `${where} is ${JSON.stringify(v)}; give a list of numbers and ranges such as 0-2,4`);
      }
    }
  }
}

/**
 * v2 keeps quota and period in one file, cpu.max: a new period alone would reset the quota to
 * "max", so the current quota goes with it (runc keeps the configured one the same way).
 */
function keepQuota(cg: CgroupManager, r: Resources): void {
  if (cg.paths.mode !== 'v2' || !r.cpu || r.cpu.period === undefined || r.cpu.quota !== undefined) return;
  const quota = readResource(cg, '', 'cpu.max')?.split(' ')[0];
  if (quota && quota !== 'max') r.cpu.quota = Number(quota);
}

/**
 * The core's cgroup writes for these resources: a spec with the new resources and what its
 * rootless checks read (namespaces and id mappings, from the container's plan).
 */
function writesFor(ctx: Ctx, rec: ContainerRecord, resources: Resources): Write[] {
  const p = rec.plan;
  const spec = {
    ociVersion: p.ociVersion,
    root: { path: p.root.path },
    linux: {
      namespaces: p.namespaces.map((n) => (n.path ? { type: n.type, path: n.path } : { type: n.type })),
      ...(p.newUserNamespace ? { uidMappings: mappings(p.uidMap), gidMappings: mappings(p.gidMap) } : {}),
      resources,
    },
  };
  const result = decideFor(ctx, 'update', { id: rec.id, config: Buffer.from(JSON.stringify(spec)) });
  return result.plan?.cgroup.writes ?? [];
}

/** plan id-map lines "containerID hostID size" back into spec mappings */
function mappings(lines: string): { containerID: number; hostID: number; size: number }[] {
  return lines.split('\n').filter((l) => l.trim()).map((l) => {
    const [containerID, hostID, size] = l.trim().split(/\s+/).map(Number);
    return { containerID, hostID, size };
  });
}

/** the recorded writes with each file's latest value */
function merged(old: Write[], applied: Write[]): Write[] {
  const key = (w: Write) => `${w.controller}/${w.file}`;
  const changed = new Set(applied.map(key));
  return [...old.filter((w) => !changed.has(key(w))), ...applied];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
