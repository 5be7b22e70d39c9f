// The process `exec` runs, as runc builds it: the --process file as it is, or the container's
// own process with the command line's args and flags over it. Either way the core decides it, in
// the context of the container's config.json, so its errors carry JSON Pointers (/process/...)
// and user, capabilities and rlimits come out normalized exactly as for the container's init.
import { readFileSync } from 'node:fs';
import { WruncError } from '../errors.js';
import type { ContainerRecord } from '../state.js';
import type { PlanProcess } from '../types.js';
import { decideFor, type Ctx } from '../commands/context.js';

export interface ProcessFlags {
  /** --process FILE */
  process?: string;
  /** the command and its arguments */
  args: string[];
  tty: boolean;
  cwd?: string;
  env: string[];
  /** "uid[:gid]" */
  user?: string;
  additionalGids: number[];
  cap: string[];
  noNewPrivs: boolean;
}

const CAP_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

export function decideProcess(ctx: Ctx, rec: ContainerRecord, f: ProcessFlags): PlanProcess {
  // config.json as it was at create: exec builds on it, whatever happened to the bundle since
  const config = JSON.parse(rec.config);
  config.process = f.process !== undefined ? processFile(f.process) : fromFlags(config.process ?? {}, f);
  const result = decideFor(ctx, 'exec', { id: rec.id, config: Buffer.from(JSON.stringify(config)) });
  return result.plan!.process!;
}

function processFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WruncError('exec.process-file', `cannot read the process file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WruncError('exec.process-file', `${path} is not JSON: ${(e as Error).message}`, '/process');
  }
}

/** runc exec's rules: args replace, --env adds or replaces, --cap adds to every set, -t decides terminal */
function fromFlags(base: Record<string, any>, f: ProcessFlags): Record<string, any> {
  if (f.args.length === 0) throw new WruncError('usage', 'exec needs a command to run, or --process FILE; see wrunc exec --help');
  const p: Record<string, any> = { ...base, args: f.args, terminal: f.tty };
  if (f.cwd !== undefined) p.cwd = f.cwd;
  if (f.env.length) p.env = withEnv(Array.isArray(base.env) ? base.env : [], f.env);
  if (f.user !== undefined || f.additionalGids.length) p.user = { ...base.user, ...parseUser(f.user), ...(f.additionalGids.length ? { additionalGids: f.additionalGids } : {}) };
  if (f.cap.length) {
    const caps = { ...base.capabilities };
    for (const set of CAP_SETS) caps[set] = [...new Set([...(caps[set] ?? []), ...f.cap])];
    p.capabilities = caps;
  }
  if (f.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

function withEnv(env: string[], extra: string[]): string[] {
  const out = [...env];
  for (const kv of extra) {
    const key = kv.split('=', 1)[0];
    const at = out.findIndex((e) => e.split('=', 1)[0] === key);
    if (at >= 0) out[at] = kv;
    else out.push(kv);
  }
  return out;
}

function parseUser(user: string | undefined): { uid?: number; gid?: number } {
  if (user === undefined) return {};
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) throw new WruncError('usage', `--user takes uid[:gid] as numbers, not ${JSON.stringify(user)}`);
  return { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
}
