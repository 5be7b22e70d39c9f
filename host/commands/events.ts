// `wrunc events`: the container's cgroup statistics and OOM kills as runc's JSON lines: with
// --stats one stats event, otherwise a stats event every --interval and an "oom" event each time
// the kernel's OOM killer acts, until the container stops.
import { WruncError } from '../errors.js';
import { alive } from '../state.js';
import { eventLine, oomKills, readStats } from '../stats.js';
import { loadContainer, type CommandDef } from './context.js';

/** how often the OOM counter is read; an OOM kill shows within this */
const OOM_POLL_MS = 200;

export const events: CommandDef = {
  command: 'events <container-id>',
  describe: 'display container events such as OOM notifications and cpu, memory, pids and IO statistics',
  builder: (y) => y
    .positional('container-id', { type: 'string', describe: 'the container to watch' })
    .option('interval', { type: 'string', default: '5s', describe: 'time between stats events (Go duration: 500ms, 5s, 1m)' })
    .option('stats', { type: 'boolean', default: false, describe: 'print the stats once and exit' }),
  run(ctx, a: { id: string; interval: string; stats: boolean }) {
    const intervalMs = parseDuration(a.interval);
    const c = loadContainer(ctx, 'events', a.id);
    if (c.status === 'stopped') throw new WruncError('container.not-running', `container ${a.id} is not running; events needs a live container`);
    const cg = c.cg;
    if (!cg) throw new WruncError('container.no-cgroup', `container ${a.id} was created without a cgroup, so it has no statistics`);
    const emitStats = () => process.stdout.write(eventLine('stats', a.id, readStats(cg.paths)));
    if (a.stats) {
      emitStats();
      return 0;
    }
    return new Promise<number>((done) => {
      let kills = oomKills(cg.paths);
      const statsTimer = setInterval(emitStats, intervalMs);
      const oomTimer = setInterval(() => {
        const now = oomKills(cg.paths);
        if (kills !== null && now !== null && now > kills) process.stdout.write(eventLine('oom', a.id));
        kills = now ?? kills;
        // runc stops when the cgroup goes away; a stopped container has nothing more to report
        if (!alive(c.rec.pid, c.rec.pidStart)) {
          clearInterval(statsTimer);
          clearInterval(oomTimer);
          done(0);
        }
      }, OOM_POLL_MS);
    });
  },
};

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("1m30s", "500ms"), which runc's --interval takes; must be positive */
function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) {
    if (text === '0') throw new WruncError('usage', 'duration interval must be greater than 0; give e.g. --interval 5s');
    throw new WruncError('usage', `--interval ${JSON.stringify(text)} is not a duration; give a number with a unit, e.g. 500ms, 5s or 1m`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0);
  if (!(ms > 0)) throw new WruncError('usage', 'duration interval must be greater than 0; give e.g. --interval 5s');
  // timers run at millisecond granularity
  return Math.max(1, Math.round(ms));
}
