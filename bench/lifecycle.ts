// Lifecycle benchmark: wrunc against Debian's runc on the same busybox bundle in the same run,
// with `node -e 0` as the floor every wrunc command pays. Medians of N runs (default 10) of
// whole processes, and the peak RSS of the largest process in each (GNU time's %M).
//   npm run bench:lifecycle [-- --runs 20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WRUNC = resolve('bin/wrunc');
const RUNC = '/usr/sbin/runc';
const TIME = '/usr/bin/time';
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const work = mkdtempSync(join(tmpdir(), 'wrunc-bench-'));
const MEM = join(work, 'time.out');

interface Sample { ms: number; kib: number }

/**
 * One process under GNU time: wall clock from here, peak RSS from time(1) through a file (a
 * created container inherits wrunc's stdio, so a pipe would stay open until it exits).
 */
function measure(argv: string[]): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-o', MEM, '-f', '%M', ...argv], { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${readFileSync(MEM, 'utf8').trim()}`);
  const lines = readFileSync(MEM, 'utf8').trim().split('\n');
  return { ms, kib: Number(lines[lines.length - 1]) };
}

/** a sequence of commands counted as one: times add up, memory is the largest */
function sequence(steps: string[][]): Sample {
  return steps.map(measure).reduce((a, b) => ({ ms: a.ms + b.ms, kib: Math.max(a.kib, b.kib) }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Each case for wrunc, runc and the floor, interleaved run by run so that a load change on the
 * machine hits all three alike; then the median of each.
 */
function bench(cases: ((i: number) => Sample)[]): Sample[] {
  for (const c of cases) c(-1); // warm the page cache
  const samples: Sample[][] = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) cases.forEach((c, k) => samples[k].push(c(i)));
  return samples.map((xs) => ({ ms: median(xs.map((s) => s.ms)), kib: median(xs.map((s) => s.kib)) }));
}

try {
  const bundle = join(work, 'bundle');
  // run as a script: bundled into this file, its "am I the main module" check would fire
  spawnSync(process.execPath, ['scripts/make-bundle.mjs', bundle, '--', 'true'], { stdio: 'ignore' });
  const roots = { wrunc: join(work, 'wrunc-root'), runc: join(work, 'runc-root') };
  const cli = { wrunc: [WRUNC, '--root', roots.wrunc], runc: [RUNC, '--root', roots.runc] };
  type Rt = keyof typeof cli;

  const runTrue = (rt: Rt) => (i: number) => measure([...cli[rt], 'run', '--bundle', bundle, `run-${i}`]);
  const lifecycle = (rt: Rt) => (i: number) => sequence([
    [...cli[rt], 'create', '--bundle', bundle, `life-${i}`],
    [...cli[rt], 'start', `life-${i}`],
    [...cli[rt], 'delete', '--force', `life-${i}`],
  ]);
  const floorCase = () => measure([process.execPath, '-e', '0']);

  const [runW, runR, floor] = bench([runTrue('wrunc'), runTrue('runc'), floorCase]);
  const [lifeW, lifeR] = bench([lifecycle('wrunc'), lifecycle('runc')]);
  const rows: [string, Sample, Sample][] = [
    ['run true', runW, runR],
    ['create + start + delete', lifeW, lifeR],
  ];

  const mib = (k: number) => (k / 1024).toFixed(1);
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(12))).join('');
  console.log(`lifecycle benchmark: medians of ${RUNS} runs; peak RSS of the largest process`);
  console.log(line(['', 'wrunc ms', 'runc ms', 'wrunc/runc', 'wrunc MiB', 'runc MiB']));
  for (const [name, w, r] of rows) {
    console.log(line([name, w.ms.toFixed(1), r.ms.toFixed(1), `${(w.ms / r.ms).toFixed(2)}x`, mib(w.kib), mib(r.kib)]));
  }
  console.log(line(['node -e 0 (floor)', floor.ms.toFixed(1), '', '', mib(floor.kib), '']));
  console.log(`wrunc run true = ${(rows[0][1].ms / floor.ms).toFixed(2)} node starts; create+start+delete = ${(rows[1][1].ms / floor.ms).toFixed(2)} node starts`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
