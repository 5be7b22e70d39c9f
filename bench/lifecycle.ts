// Lifecycle benchmark: wrunc against Debian's runc on the same busybox bundle in the same run,
// with `node -e 0` as the floor every wrunc command pays. Each row is the median of N runs
// (default 10) of whole processes, wrunc, runc and the floor interleaved run by run so that a
// change of load on the machine hits all alike; memory is the peak RSS of the largest process
// (GNU time's %M). "beyond" is wrunc's median minus the floors of the Node processes the row
// starts: each wrunc process pays `node -e 0` in this environment, and create and run also start
// the container's stage, a Node process with an empty environment (its floor: `env -i node -e 0`).
// NODE_EXTRA_CA_CERTS makes every Node process load OpenSSL and parse the certificates before any
// JavaScript (~30 ms here; wrunc never uses TLS); --clean-env measures without it, as a container
// engine started by systemd would run wrunc.
//   npm run bench:lifecycle [-- --runs 20] [-- --clean-env]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WRUNC = resolve('bin/wrunc');
const RUNC = '/usr/sbin/runc';
const TIME = '/usr/bin/time';
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const CLEAN = process.argv.includes('--clean-env');
const env = { ...process.env };
if (CLEAN) delete env.NODE_EXTRA_CA_CERTS;
const work = mkdtempSync(join(tmpdir(), 'wrunc-bench-'));
const MEM = join(work, 'time.out');

interface Sample { ms: number; kib: number }

/**
 * One process under GNU time: wall clock from here, peak RSS from time(1) through a file (a
 * created container inherits wrunc's stdio, so a pipe would stay open until it exits).
 * fails: the command is expected to exit non-zero (state of an unknown container).
 */
function measure(argv: string[], fails = false, withEnv: NodeJS.ProcessEnv = env): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-o', MEM, '-f', '%M', ...argv], { stdio: 'ignore', env: withEnv });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if ((r.status !== 0) !== fails) throw new Error(`${argv.join(' ')} exited ${r.status}: ${readFileSync(MEM, 'utf8').trim()}`);
  const lines = readFileSync(MEM, 'utf8').trim().split('\n');
  return { ms, kib: Number(lines[lines.length - 1]) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** one run of a case: named samples (a lifecycle gives create, start, delete and their sum) */
type Case = (i: number) => Record<string, Sample>;

/** every case once to warm the page cache, then RUNS rounds of all cases; medians per name */
function bench(cases: Case[]): Record<string, Sample>[] {
  for (const c of cases) c(-1);
  const samples: Record<string, Sample[]>[] = cases.map(() => ({}));
  for (let i = 0; i < RUNS; i++) {
    cases.forEach((c, k) => {
      for (const [name, s] of Object.entries(c(i))) (samples[k][name] ??= []).push(s);
    });
  }
  return samples.map((byName) => Object.fromEntries(Object.entries(byName).map(([name, xs]) => [
    name, { ms: median(xs.map((s) => s.ms)), kib: median(xs.map((s) => s.kib)) },
  ])));
}

try {
  const bundle = join(work, 'bundle');
  // run as a script: bundled into this file, its "am I the main module" check would fire
  spawnSync(process.execPath, ['scripts/make-bundle.mjs', bundle, '--', 'true'], { stdio: 'ignore' });
  const roots = { wrunc: join(work, 'wrunc-root'), runc: join(work, 'runc-root') };
  const cli = { wrunc: [WRUNC, '--root', roots.wrunc], runc: [RUNC, '--root', roots.runc] };
  type Rt = keyof typeof cli;

  const runtime = (rt: Rt): Case => (i) => {
    const version = measure([cli[rt][0], '--version']);
    const state = measure([...cli[rt], 'state', `unknown-${i}`], true);
    const run = measure([...cli[rt], 'run', '--bundle', bundle, `run-${i}`]);
    const create = measure([...cli[rt], 'create', '--bundle', bundle, `life-${i}`]);
    const start = measure([...cli[rt], 'start', `life-${i}`]);
    const del = measure([...cli[rt], 'delete', '--force', `life-${i}`]);
    const life = { ms: create.ms + start.ms + del.ms, kib: Math.max(create.kib, start.kib, del.kib) };
    return { version, state, run, create, start, delete: del, life };
  };
  const floorCase: Case = () => ({
    floor: measure([process.execPath, '-e', '0']),
    stage: measure([process.execPath, '-e', '0'], false, {}),
  });

  const [w, r, { floor, stage }] = bench([runtime('wrunc'), runtime('runc'), floorCase]);
  // the rows, with how many wrunc and stage processes each starts (the floor it cannot go below)
  const rows: [string, string, number, number][] = [
    ['--version', 'version', 1, 0],
    ['state <unknown>', 'state', 1, 0],
    ['run true', 'run', 1, 1],
    ['create', 'create', 1, 1],
    ['start', 'start', 1, 0],
    ['delete --force', 'delete', 1, 0],
    ['create + start + delete', 'life', 3, 1],
  ];

  const mib = (k: number) => (k / 1024).toFixed(1);
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(12))).join('');
  console.log(`lifecycle benchmark: medians of ${RUNS} runs, interleaved; peak RSS of the largest process`);
  if (env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is set: every Node start (the floor too) loads it; --clean-env measures without');
  console.log(line(['', 'wrunc ms', 'runc ms', 'wrunc/runc', 'node starts', 'beyond', 'wrunc MiB', 'runc MiB']));
  for (const [label, key, clis, stages] of rows) {
    const a = w[key];
    const b = r[key];
    console.log(line([label, a.ms.toFixed(1), b.ms.toFixed(1), `${(a.ms / b.ms).toFixed(2)}x`, String(clis + stages),
      (a.ms - clis * floor.ms - stages * stage.ms).toFixed(1), mib(a.kib), mib(b.kib)]));
  }
  console.log(line(['node -e 0 (floor)', floor.ms.toFixed(1), '', '', '', '', mib(floor.kib), '']));
  console.log(line(['env -i node -e 0 (stage)', stage.ms.toFixed(1), '', '', '', '', mib(stage.kib), '']));
  console.log('beyond: wrunc ms minus the floors of its Node starts, i.e. what wrunc spends beyond Node\'s own start-up');
  console.log(`wrunc run true = ${(w.run.ms / floor.ms).toFixed(2)} node starts; create+start+delete = ${(w.life.ms / floor.ms).toFixed(2)} node starts`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
