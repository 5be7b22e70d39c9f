// `wrunc list`: the containers under the state root, in runc's table (Go tabwriter: min width 12,
// padding 3) or as a JSON array.
import { readFileSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { listIds, ociState, ownerOf } from '../state.js';
import { decideFor, loadFrom, type CommandDef, type Ctx } from './context.js';

export const list: CommandDef = {
  command: 'list',
  describe: 'list containers started by wrunc with this --root',
  builder: (y) => y
    .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only the container ids' }),
  run(ctx, a: { format: 'table' | 'json'; quiet: boolean }) {
    const states = collect(ctx);
    if (a.quiet) {
      for (const s of states) process.stdout.write(`${s.id}\n`);
    } else if (a.format === 'json') {
      // runc encodes a nil slice: "null" when there are none
      process.stdout.write(`${states.length ? JSON.stringify(states) : 'null'}\n`);
    } else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
        ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner].map(String))];
      process.stdout.write(table(rows));
    }
    return 0;
  },
};

function collect(ctx: Ctx): Record<string, unknown>[] {
  const root = decideFor(ctx, 'list').decisions.stateRoot.value;
  const out: Record<string, unknown>[] = [];
  for (const id of listIds(root)) {
    try {
      const c = loadFrom(ctx, root, id);
      out.push(ociState(c.rec, c.status, userName(ownerOf(c.dir))));
    } catch (e) {
      // a container deleted or half-created meanwhile is not listed, as with runc
      if (!(e instanceof WruncError)) throw e;
    }
  }
  return out;
}

/** every column but the last padded to max(width + 3, 12) */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(12, ...rows.map((r) => r[i].length + 3)));
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]) : cell)).join('') + '\n').join('');
}

let passwd: string | null = null;

function userName(uid: number): string {
  passwd ??= (() => {
    try {
      return readFileSync('/etc/passwd', 'utf8');
    } catch {
      return '';
    }
  })();
  const line = passwd.split('\n').find((l) => l.split(':')[2] === String(uid));
  return line ? line.split(':')[0] : `#${uid}`;
}
