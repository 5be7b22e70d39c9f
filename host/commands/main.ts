// The command line: runc's global flags and commands, parsed with yargs. Each command's run()
// returns the exit status; every failure becomes one line on stderr and status 1.
import yargs from 'yargs';
import { WruncError } from '../errors.js';
import type { CommandDef, Ctx, GlobalOptions } from './context.js';
import { Logger } from './log.js';

/**
 * Every command, one line each: its name (the first word of its yargs command) and its module.
 * A module loads when its command runs, or with all the others when yargs needs every command
 * (help, an unknown command, a command line this file does not read plainly): a command then
 * loads only what it uses (state neither koffi nor the terminal code, say).
 */
export const COMMANDS: [name: string, load: () => Promise<CommandDef>][] = [
  ['create', async () => (await import('./create.js')).create],
  ['start', async () => (await import('./start.js')).start],
  ['run', async () => (await import('./run.js')).run],
  ['exec', async () => (await import('./exec.js')).exec],
  ['state', async () => (await import('./state.js')).state],
  ['list', async () => (await import('./list.js')).list],
  ['kill', async () => (await import('./kill.js')).kill],
  ['delete', async () => (await import('./delete.js')).del],
  ['ps', async () => (await import('./ps.js')).ps],
  ['pause', async () => (await import('./pause.js')).pause],
  ['resume', async () => (await import('./resume.js')).resume],
  ['events', async () => (await import('./events.js')).events],
  ['update', async () => (await import('./update.js')).update],
  ['checkpoint', async () => (await import('./checkpoint.js')).checkpoint],
  ['restore', async () => (await import('./restore.js')).restore],
  ['spec', async () => (await import('./spec.js')).spec],
  ['features', async () => (await import('./features.js')).features],
  ['explain', async () => (await import('./explain.js')).explain],
];

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
    .exitProcess(false)
    .fail((msg: string | null, err: Error | null) => {
      if (err instanceof WruncError) throw err;
      throw new WruncError('usage', `${(msg ?? err?.message ?? '').replace(/\s*\n\s*/g, ' ')}; see wrunc --help`);
    });
  // yargs renders the chosen command's whole help after its handler, in case it is shown later;
  // it never is (the handler only records the choice, failures go through .fail()), and the
  // rendering was ~10 ms of every command
  const usage = y.getInternalMethods().getUsageInstance();
  usage.cacheHelpMessage = () => {};
  // .wrap(n) in yargs' terms, but n is read when help is drawn: process.stdout is a stream made on
  // first use, with the tty and net modules (~4 ms), and a command that prints nothing needs none
  usage.getWrap = () => (process.env.YARGS_DISABLE_WRAP ? null : Math.min(110, process.stdout.columns || 100));
  for (const def of await commandsFor(argv)) {
    const builder = def.ownRootless ? def.builder : (c: any) => def.builder(c).option('rootless', ROOTLESS);
    y = y.command(def.command, def.describe, builder, (args: Record<string, any>) => {
      chosen = { def, args };
    });
  }
  await y.parseAsync();
  return chosen;
}

// the global options that take a value, and those that do not (yargs also reads `--debug false`)
const VALUED = new Set(['--root', '--log', '--log-format', '--rootless']);
const FLAGS = new Set(['--debug', '--systemd-cgroup']);

/**
 * The commands yargs needs for argv: only the one named when argv is plainly
 * `[global options] <command> ...`, none for a lone --version, else all of them. With only its own command yargs parses,
 * errs and helps exactly as with all, since a command's parse never looks at the others.
 */
async function commandsFor(argv: string[]): Promise<CommandDef[]> {
  // --version alone prints the version and nothing of any command (podman asks it on start-up)
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return [];
  const name = commandName(argv);
  const entries = COMMANDS.filter(([n]) => name === null || n === name);
  return Promise.all(entries.map(async ([n, load]) => {
    const def = await load();
    if (def.command.split(' ')[0] !== n) throw new Error(`COMMANDS lists ${n} for the command ${JSON.stringify(def.command)}`);
    return def;
  }));
}

function commandName(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) return COMMANDS.some(([n]) => n === a) ? a : null;
    const eq = a.indexOf('=');
    if (eq > 0 && (VALUED.has(a.slice(0, eq)) || FLAGS.has(a.slice(0, eq)))) continue;
    if (VALUED.has(a)) i++;
    else if (!FLAGS.has(a) || argv[i + 1] === 'true' || argv[i + 1] === 'false') return null;
  }
  return null;
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

