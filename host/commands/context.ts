// What every command shares: the global flags, facts → decide() with errors turned into the one
// line the user sees, reading a bundle, and loading an existing container with its status.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { decide } from '../core.js';
import { WruncError } from '../errors.js';
import { gatherFacts } from '../facts.js';
import { CgroupManager, managerFor } from '../cgroups/index.js';
import { computeStatus, lockContainer, readState, stateDir, validateId, type ContainerRecord, type Status } from '../state.js';
import type { Decisions, Facts, Result } from '../types.js';
import { Logger } from './log.js';

export interface GlobalOptions {
  root?: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  rootless: 'true' | 'false' | 'auto';
}

export interface Ctx { g: GlobalOptions; log: Logger }

export function flagsOf(g: GlobalOptions): Facts['flags'] {
  return { rootless: g.rootless, systemdCgroup: g.systemdCgroup, root: g.root ?? null };
}

/** the core's result for this command; with errors: all logged at debug, the first thrown */
export function decideFor(ctx: Ctx, command: string, o: { id?: string; config?: Uint8Array | null } = {}): Result & { decisions: Decisions } {
  const result = decide(factsFor(ctx, command, o), o.config ?? null);
  for (const w of result.warnings) ctx.log.warnError(WruncError.fromProblem(w));
  if (!result.ok || !result.decisions) {
    for (const e of result.errors.slice(1)) ctx.log.debug(WruncError.fromProblem(e).line());
    const first = result.errors[0];
    throw first ? WruncError.fromProblem(first) : new WruncError('core.failed', 'the decision core returned no decisions and no error; report this as a bug');
  }
  return result as Result & { decisions: Decisions };
}

/** this machine's facts for a command on a container (id) with a config.json (config) */
export function factsFor(ctx: Ctx, command: string, o: { id?: string; config?: Uint8Array | null }): Facts {
  const facts = gatherFacts({ command, flags: flagsOf(ctx.g), containerId: o.id, cgroupsPath: cgroupsPathOf(o.config) });
  ctx.log.debug(`facts: ${JSON.stringify(facts)}`);
  return facts;
}

/** the probe needs to know where the cgroup would go before the core has read the spec */
function cgroupsPathOf(config: Uint8Array | null | undefined): string | undefined {
  if (!config) return undefined;
  try {
    const p = JSON.parse(Buffer.from(config).toString('utf8'))?.linux?.cgroupsPath;
    return typeof p === 'string' && p !== '' ? p : undefined;
  } catch {
    return undefined;
  }
}

export interface Bundle { dir: string; config: Uint8Array }

export function readBundle(dir: string | undefined): Bundle {
  const abs = resolve(dir ?? '.');
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new WruncError('bundle.not-found', `bundle ${abs} does not exist or is not a directory; pass --bundle DIR with a config.json in it`);
  }
  try {
    return { dir: abs, config: readFileSync(`${abs}/config.json`) };
  } catch {
    throw new WruncError('bundle.no-config', `${abs}/config.json cannot be read; create one with wrunc spec --bundle ${abs}`);
  }
}

export interface Loaded {
  root: string;
  dir: string;
  rec: ContainerRecord;
  cg: CgroupManager | null;
  status: Status;
}

/** an existing container; the state root comes from the core like everywhere else */
export function loadContainer(ctx: Ctx, command: string, id: string): Loaded {
  return loadFrom(ctx, stateRootFor(ctx, command, id), id);
}

/** loadContainer under the container's lock, so its state cannot change underneath */
export function withLocked<T>(ctx: Ctx, command: string, id: string, fn: (c: Loaded) => T): T {
  validateId(id);
  const root = stateRootFor(ctx, command, id);
  const release = lockContainer(stateDir(root, id), id);
  try {
    return fn(loadFrom(ctx, root, id));
  } finally {
    release();
  }
}

function stateRootFor(ctx: Ctx, command: string, id: string): string {
  return decideFor(ctx, command, { id }).decisions.stateRoot.value;
}

export function loadFrom(ctx: Ctx, root: string, id: string): Loaded {
  const { dir, rec } = readState(root, id);
  const cg = rec.cgroup ? managerFor(rec.decisions.cgroupManager.value, rec.cgroup, (m) => ctx.log.warn(m), (m) => ctx.log.debug(m)) : null;
  return { root, dir, rec, cg, status: computeStatus(dir, rec, () => cg?.isFrozen() ?? false) };
}

/** one command module: yargs' parts plus run(), which returns the exit status */
export interface CommandDef {
  command: string;
  describe: string;
  // yargs has no bundled types; a builder adds options and positionals to the parser it is given
  builder: (y: any) => any;
  run(ctx: Ctx, args: any): Promise<number> | number;
  /** declares its own --rootless, which then replaces the global one */
  ownRootless?: boolean;
}
