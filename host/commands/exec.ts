// `wrunc exec`: runs a new process in a running container, in all of its namespaces and its
// cgroup, with the identity, capabilities, rlimits and seccomp of the decided process; exits with
// the process's status (128+signal when killed), or with --detach once it has started.
import { resolve } from 'node:path';
import yargs from 'yargs';
import { WruncError } from '../errors.js';
import { decideProcess, type ProcessFlags } from '../exec/process.js';
import { spawnExec } from '../exec/spawn.js';
import { writePidFile } from '../state.js';
import { attachTerminal } from '../terminal.js';
import { loadContainer, type CommandDef } from './context.js';

// what a terminal or a supervisor sends to `exec`, passed on to the process as runc does
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** the process flags decideProcess takes, plus what only the command itself uses */
interface ExecArgs extends ProcessFlags {
  id: string;
  consoleSocket?: string;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  apparmor?: string;
  processLabel?: string;
}

/** exec's options; yargs reads them twice (see exec.run) */
function execOptions(y: any): any {
  return y
    .option('process', { alias: 'p', type: 'string', describe: 'an OCI process JSON file; replaces the command and the process flags' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-terminal' })
    .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master (with --tty)' })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once the process has started' })
    .option('pid-file', { type: 'string', describe: 'write the process\'s host pid to this file' })
    .option('cwd', { type: 'string', describe: 'working directory inside the container' })
    // repeatable flags take one value each (an array option would swallow the container id)
    .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE to set (repeatable)' })
    .option('user', { alias: 'u', type: 'string', describe: 'uid[:gid] to run as' })
    .option('additional-gids', { alias: 'g', type: 'number', describe: 'supplementary group ids (repeatable)' })
    .option('cap', { alias: 'c', type: 'string', describe: 'capability to add, e.g. CAP_NET_ADMIN (repeatable)' })
    .option('no-new-privs', { type: 'boolean', default: false, describe: 'set no_new_privs for the process' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass this many extra fds (from fd 3) into the process' })
    .option('apparmor', { type: 'string', describe: 'AppArmor profile (accepted; wrunc has no AppArmor support)' })
    .option('process-label', { type: 'string', describe: 'SELinux label (accepted; wrunc has no SELinux support)' });
}

/**
 * Options end at the container id: the rest is the command's, dashes included (runc), so that
 * `exec ID sh -c ...` runs sh with -c. Inside a yargs command, halt-at-non-option halts at the
 * command's own name and leaves every token in `_` ("exec", "exec", tokens...); a standalone
 * parser over those tokens does the halting right.
 */
async function execArgs(tokens: string[]): Promise<ExecArgs | null> {
  let shown = false;
  const y = execOptions(yargs(tokens))
    .scriptName('wrunc exec')
    .usage('$0 [options] <container-id> <command> [args..]')
    .parserConfiguration({ 'halt-at-non-option': true, 'boolean-negation': false })
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg: string | null, err: Error | null) => {
      throw new WruncError('usage', `${(msg ?? err?.message ?? '').replace(/\s*\n\s*/g, ' ')}; see wrunc exec --help`);
    });
  const a = await y.parseAsync(tokens, {}, (_err: unknown, _argv: unknown, output: string) => {
    if (output) {
      shown = true;
      process.stdout.write(`${output}\n`);
    }
  });
  if (shown) return null;
  const [id, ...args] = a._.map(String);
  if (id === undefined) throw new WruncError('usage', 'exec needs a container id; see wrunc exec --help');
  return { ...a, id, args, env: list(a.env).map(String), cap: list(a.cap).map(String), additionalGids: list(a.additionalGids).map(Number) };
}

/** a repeatable flag's value: absent, once (the value) or repeated (an array) */
function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export const exec: CommandDef = {
  command: 'exec [container-id] [command..]',
  describe: 'run a new process inside a running container',
  builder: (y) => execOptions(y)
    .parserConfiguration({ 'halt-at-non-option': true, 'boolean-negation': false })
    .positional('container-id', { type: 'string', describe: 'the container to run the process in' })
    .positional('command', { type: 'string', array: true, describe: 'the program and its arguments' }),
  async run(ctx, raw: { _: (string | number)[] }) {
    const a = await execArgs(raw._.slice(2).map(String));
    if (!a) return 0;
    const c = loadContainer(ctx, 'exec', a.id);
    if (c.status === 'stopped') throw new WruncError('container.not-running', `container ${a.id} is not running; exec needs a created or running container`);
    if (c.status === 'paused') throw new WruncError('container.paused', `container ${a.id} is paused; resume it before exec`);
    if (a.apparmor !== undefined) ctx.log.warn(`--apparmor ${a.apparmor} ignored: wrunc has no AppArmor support`);
    if (a.processLabel !== undefined) ctx.log.warn(`--process-label ${a.processLabel} ignored: wrunc has no SELinux support`);
    const proc = decideProcess(ctx, c.rec, a);
    if (proc.terminal && a.detach && a.consoleSocket === undefined) {
      throw new WruncError('usage', 'a detached exec with a terminal needs --console-socket to hand the pty master to');
    }
    if (!proc.terminal && a.consoleSocket !== undefined) throw new WruncError('usage', '--console-socket needs --tty (or terminal: true in --process)');
    const x = await spawnExec({
      rec: c.rec, process: proc, detach: a.detach, preserveFds: a.preserveFds, consoleSocket: a.consoleSocket,
      onSpawn: (pid) => c.cg?.addPid(pid),
    });
    if (a.pidFile) writePidFile(resolve(a.pidFile), x.pid);
    if (!x.exit) return 0;
    const forward = (s: NodeJS.Signals) => {
      try {
        process.kill(x.pid, s);
      } catch {
        // already gone: its exit status is on the way
      }
    };
    for (const s of FORWARDED) process.on(s, forward);
    const terminal = x.console === null ? null : attachTerminal(x.console);
    const status = await x.exit;
    await terminal?.finish();
    for (const s of FORWARDED) process.off(s, forward);
    return status;
  },
};
