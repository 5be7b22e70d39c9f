// `wrunc explain`: the decision table for this machine and a bundle (default: the built-in
// default spec): each decision with its value and reason, then errors and warnings with their
// JSON Pointers. --format json prints the core's result as it is.
import { decide } from '../core.js';
import { defaultSpecFor } from '../spec-default.js';
import type { Problem, Result } from '../types.js';
import { factsFor, readBundle, type CommandDef } from './context.js';

export const explain: CommandDef = {
  command: 'explain',
  describe: 'show what wrunc decides on this machine for a bundle, and why',
  builder: (y) => y
    .option('bundle', { alias: 'b', type: 'string', describe: 'bundle whose config.json to explain (default: the built-in default spec)' })
    .option('format', { alias: 'f', choices: ['text', 'json'], default: 'text', describe: 'output format' })
    .example('$0 --rootless true explain --bundle ./mybundle', 'what a rootless run of ./mybundle would do'),
  run(ctx, a: { bundle?: string; format: 'text' | 'json' }) {
    const config = a.bundle !== undefined
      ? readBundle(a.bundle).config
      : Buffer.from(JSON.stringify(defaultSpecFor({ rootless: false, uid: 0, gid: 0 })));
    // no error is thrown here: explaining the errors is the point
    const result = decide(factsFor(ctx, 'explain', { id: 'explain', config }), config);
    process.stdout.write(a.format === 'json' ? `${JSON.stringify(result)}\n` : text(result));
    return 0;
  },
};

export function text(r: Result): string {
  const rows: string[][] = [['DECISION', 'VALUE', 'REASON']];
  for (const [name, d] of Object.entries(r.decisions ?? {})) rows.push([name, JSON.stringify(d.value), d.reason]);
  const w = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)) + 2);
  let out = rows.map((row) => row[0].padEnd(w[0]) + row[1].padEnd(w[1]) + row[2]).join('\n') + '\n';
  out += problems('errors', r.errors) + problems('warnings', r.warnings);
  out += `\n${r.ok ? 'ok: this bundle can run here' : 'not ok: fix the errors above'}\n`;
  return out;
}

function problems(title: string, list: Problem[]): string {
  if (list.length === 0) return `\n${title}: none\n`;
  return `\n${title}:\n` + list.map((p) => `  ${p.path || '/'}  ${p.code}: ${p.message}\n`).join('');
}
