// The command line: runc's global flags and commands, parsed with yargs. Each command's run()
// returns the exit status; every failure becomes one line on stderr and status 1.
import { isatty } from 'node:tty';
import yargs from 'yargs';
import { WruncError } from '../errors.js';
import type { CommandDef, Ctx, GlobalOptions } from './context.js';
import { Logger } from './log.js';
import { checkpoint } from './checkpoint.js';
import { create } from './create.js';
import { del } from './delete.js';
import { events } from './events.js';
import { exec } from './exec.js';
import { explain } from './explain.js';
import { features } from './features.js';
import { kill } from './kill.js';
import { list } from './list.js';
import { pause } from './pause.js';
import { ps } from './ps.js';
import { restore } from './restore.js';
import { resume } from './resume.js';
import { run } from './run.js';
import { spec } from './spec.js';
import { start } from './start.js';
import { state } from './state.js';
import { update } from './update.js';

export const COMMANDS: CommandDef[] = [create, start, run, exec, state, list, kill, del, ps, pause, resume, events, update, checkpoint, restore, spec, features, explain];

export const VERSION = 'wrunc version 0.1.0\nspec: 1.0.2-dev\ncore abi: 1';

// Not global in yargs' sense: spec has a boolean --rootless of its own (as runc), so every other
// command re-declares this string one; its value is checked in rootlessFlag().
const ROOTLESS = {
  type: 'string',
  global: false,
  describe: 'true, false or auto (default): manage cgroups as for an unprivileged user; auto decides from the user and namespace',
};

/** what a parse produced: the command to run and its arguments (global flags included) */
export interface Invocation { def: CommandDef; args: Record<string, any> }

/**
 * The parser alone, for the CLI and for tests: resolves to the invocation, or throws a
 * WruncError("usage") for anything yargs rejects. Help and --version print and resolve null.
 */
export async function parse(argv: string[]): Promise<Invocation | null> {
  let chosen: Invocation | null = null;
  let y = yargs(argv)
    .scriptName('wrunc')
    .usage('$0 [global options] <command> [options]\n\nAn OCI container runtime, runc-compatible, whose rootless and validation decisions come from one WebAssembly module.')
    .parserConfiguration({ 'boolean-negation': false })
    .option('root', { type: 'string', describe: 'state root (default: /run/wrunc, or $XDG_RUNTIME_DIR/wrunc when rootless)' })
    .option('log', { type: 'string', describe: 'also write log entries to this file' })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'format of --log entries' })
    .option('debug', { type: 'boolean', default: false, describe: 'log facts, every error and debug detail' })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use systemd for cgroups (cgroupsPath as slice:prefix:name)' })
    .option('rootless', ROOTLESS)
    .demandCommand(1, 'give a command; see wrunc --help')
    .strict()
    .version(VERSION)
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    // process.stdout is a stream made on first use (a few ms); only a terminal has columns anyway
    .wrap(Math.min(110, (isatty(1) && process.stdout.columns) || 100))
    .exitProcess(false)
    .fail((msg: string | null, err: Error | null) => {
      if (err instanceof WruncError) throw err;
      throw new WruncError('usage', `${(msg ?? err?.message ?? '').replace(/\s*\n\s*/g, ' ')}; see wrunc --help`);
    });
  // yargs renders the chosen command's whole help after its handler, in case it is shown later;
  // it never is (the handler only records the choice, failures go through .fail()), and the
  // rendering was ~10 ms of every command
  y.getInternalMethods().getUsageInstance().cacheHelpMessage = () => {};
  for (const def of COMMANDS) {
    const builder = def.ownRootless ? def.builder : (c: any) => def.builder(c).option('rootless', ROOTLESS);
    y = y.command(def.command, def.describe, builder, (args: Record<string, any>) => {
      chosen = { def, args };
    });
  }
  await y.parseAsync();
  return chosen;
}

export function globalsOf(a: Record<string, any>): GlobalOptions {
  return {
    root: a.root,
    log: a.log,
    logFormat: a.logFormat,
    debug: a.debug,
    systemdCgroup: a.systemdCgroup,
    rootless: rootlessFlag(a.rootless),
  };
}

// the spec command has its own boolean --rootless, so the global one is checked here, not by yargs
function rootlessFlag(v: unknown): GlobalOptions['rootless'] {
  if (v === undefined || typeof v === 'boolean') return 'auto';
  if (v === 'true' || v === 'false' || v === 'auto') return v;
  throw new WruncError('usage', `--rootless takes true, false or auto, not ${JSON.stringify(v)}; see wrunc --help`);
}

export async function main(argv: string[]): Promise<number> {
  let log = new Logger({ logFormat: 'text', debug: false });
  try {
    // as runc: no arguments at all is a request for help, not a usage error
    const inv = await parse(argv.length === 0 ? ['--help'] : argv);
    if (!inv) return 0;
    const g = globalsOf(inv.args);
    log = new Logger(g);
    const ctx: Ctx = { g, log };
    return await inv.def.run(ctx, { ...inv.args, id: inv.args.containerId });
  } catch (e) {
    const err = e instanceof WruncError ? e : new WruncError('internal', `${(e as Error).message}; please report this with --debug output`);
    if (!(e instanceof WruncError)) log.debug((e as Error).stack ?? String(e));
    log.error(err.line());
    return err.exitCode;
  }
}

