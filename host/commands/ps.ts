// `wrunc ps`: the container's processes, as runc's ps: JSON is the array of host pids; the table
// is the system `ps` output (default -ef) cut down to the header and the container's rows. Where
// the pids come from is decisions.psSource: the container's cgroup, or a /proc scan of its PID
// namespace where the runtime has no cgroups of its own (rootless), which runc cannot do.
import { spawnSync } from 'node:child_process';
import { WruncError } from '../errors.js';
import { cgroupPids, pidNamespacePids } from '../procfs.js';
import { decideFor, loadFrom, type CommandDef, type Loaded } from './context.js';

export const ps: CommandDef = {
  command: 'ps <container-id> [ps-options..]',
  describe: 'list the processes running in a container; options after the id go to ps (default -ef)',
  builder: (y) => y
    // everything after the id belongs to ps, dashes included, as runc (SkipArgReorder)
    .parserConfiguration({ 'unknown-options-as-args': true, 'boolean-negation': false })
    .positional('container-id', { type: 'string', describe: 'the container whose processes to list' })
    .positional('ps-options', { type: 'string', array: true, describe: 'options for ps(1), e.g. -eo pid,comm' })
    .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'table (ps output) or json (host pids)' }),
  run(ctx, a: { id: string; format: 'table' | 'json'; psOptions?: string[]; _: (string | number)[] }) {
    const { decisions } = decideFor(ctx, 'ps', { id: a.id });
    const c = loadFrom(ctx, decisions.stateRoot.value, a.id);
    const pids = containerPids(c, decisions.psSource.value);
    if (a.format === 'json') {
      // Go encodes runc's nil slice of a container without processes as null
      process.stdout.write(`${pids.length ? JSON.stringify(pids) : 'null'}\n`);
      return 0;
    }
    const psArgs = [...(a.psOptions ?? []), ...a._.slice(1)].map(String);
    process.stdout.write(psTable(psArgs.length ? psArgs : ['-ef'], new Set(pids)));
    return 0;
  },
};

function containerPids(c: Loaded, source: 'cgroup' | 'procfs'): number[] {
  // a stopped container's recorded pid may belong to another process by now
  if (c.status === 'stopped') return [];
  if (source === 'procfs') return pidNamespacePids(c.rec.pid);
  if (!c.cg) {
    throw new WruncError('container.no-cgroup', `container ${c.rec.id} was created without a cgroup, so its processes cannot be listed by cgroup; list them with ps -e inside the container`);
  }
  return cgroupPids(Object.values(c.cg.paths.dirs));
}

/** ps's header and the rows whose PID column is one of `pids` */
function psTable(args: string[], pids: Set<number>): string {
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new WruncError('ps.failed', `ps ${args.join(' ')} failed: ${(r.error?.message ?? output).trim().replace(/\s*\n\s*/g, '; ')}`);
  }
  const [header, ...rows] = r.stdout.split('\n');
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) throw new WruncError('ps.no-pid-column', `ps ${args.join(' ')} printed no PID column; include pid in its output format`);
  const kept = rows.filter((row) => row.trim() && pids.has(Number(row.trim().split(/\s+/)[column])));
  return [header, ...kept].map((l) => `${l}\n`).join('');
}
