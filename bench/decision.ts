// npm run bench:decision — what one decision costs: the Wasm core through the raw ABI (copy in,
// decide, copy out), the full decide() (facts serialized, result parsed), and the TypeScript
// baseline (bench/baseline/) doing the same rules on the same inputs, measured in the same run.
// Inputs: runc's default spec, and a large spec (100 mounts, 50 uid + 50 gid map entries).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coreExports, decide, decideRaw } from '../host/core.js';
import type { Result } from '../host/types.js';
import { largeSpec } from '../test/gen/inputs.js';
import { fixtureBytes, repoRoot, vectorNamed } from '../test/vectors/load.js';
import { decideBaseline } from './baseline/decide.js';

const WARMUP = 3_000;
const ROUNDS = 10;
const PER_ROUND = 3_000;

interface Case { name: string; facts: unknown; factsBytes: Uint8Array; config: Uint8Array }

const root = vectorNamed('real root: default spec');
const defaultSpec = JSON.parse(Buffer.from(fixtureBytes('default')).toString('utf8'));
const cases: Case[] = [
  { name: 'runc default spec', facts: root.facts, factsBytes: root.factsBytes, config: root.configBytes },
  { name: 'large spec (100 mounts, 50+50 map entries)', facts: root.facts, factsBytes: root.factsBytes,
    config: new TextEncoder().encode(JSON.stringify(largeSpec(defaultSpec), null, '\t')) },
];

const impls: { name: string; run: (c: Case) => unknown }[] = [
  { name: 'core, raw ABI (bytes → bytes)', run: (c) => decideRaw(c.factsBytes, c.config) },
  { name: 'core, decide() (object → Result)', run: (c) => decide(c.facts as never, c.config) },
  { name: 'TypeScript baseline (object → Result)', run: (c) => decideBaseline(c.facts, c.config) },
];

/**
 * The baseline is only a fair yardstick if it does the same work: same decisions, same verdict.
 * Checked on every run, before anything is timed.
 */
function checkSameWork(c: Case): void {
  const core = decide(c.facts as never, c.config);
  const base = decideBaseline(c.facts, c.config);
  const summary = (r: Result) => JSON.stringify({
    ok: r.ok, errors: r.errors.map((e) => e.code + ' ' + e.path).sort(),
    decisions: Object.fromEntries(Object.entries(r.decisions ?? {}).map(([k, d]) => [k, d.value])),
    mounts: r.plan?.mounts.length, namespaces: r.plan?.namespaces.map((n) => n.type), uidMap: r.plan?.uidMap,
  });
  if (summary(core) !== summary(base)) throw new Error(`baseline and core disagree on ${c.name}:\n core     ${summary(core)}\n baseline ${summary(base)}`);
  if (!core.ok) throw new Error(`${c.name} is not a valid input: ${JSON.stringify(core.errors)}`);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function timeInstantiate(): { compile: number; instantiate: number } {
  const bytes = readFileSync(join(repoRoot, 'build', 'wrunc-core.wasm'));
  const compile: number[] = [], instantiate: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = process.hrtime.bigint();
    const module = new WebAssembly.Module(bytes);
    const t1 = process.hrtime.bigint();
    new WebAssembly.Instance(module, {}); // import-free by contract: an empty import object
    const t2 = process.hrtime.bigint();
    compile.push(Number(t1 - t0) / 1000);
    instantiate.push(Number(t2 - t1) / 1000);
  }
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  return { compile: median(compile), instantiate: median(instantiate) };
}

function measure(c: Case): number[][] {
  for (const impl of impls) for (let i = 0; i < WARMUP; i++) impl.run(c);
  const samples = impls.map(() => [] as number[]);
  // Rounds alternate between implementations so that drift (GC, frequency) hits them alike.
  for (let round = 0; round < ROUNDS; round++) {
    impls.forEach((impl, k) => {
      for (let i = 0; i < PER_ROUND; i++) {
        const t0 = process.hrtime.bigint();
        impl.run(c);
        samples[k].push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b));
}

/**
 * What a wrunc process pays once: V8 compiles Wasm lazily (and JavaScript starts interpreted), so
 * the first call is far slower than the steady state. Measured in fresh processes (this bundle
 * with --cold core|baseline), as each CLI call is one.
 */
function coldChild(which: string): void {
  const t0 = process.hrtime.bigint();
  if (which === 'core') coreExports();
  const t1 = process.hrtime.bigint();
  if (which === 'core') decideRaw(cases[0].factsBytes, cases[0].config);
  else decideBaseline(cases[0].facts, cases[0].config);
  const t2 = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1000, first: Number(t2 - t1) / 1000 }));
}

function timeCold(which: string): { load: number; first: number } {
  const runs = Array.from({ length: 15 }, () => {
    const r = spawnSync(process.execPath, [process.argv[1], '--cold', which], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold run failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { load: number; first: number };
  });
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  return { load: median(runs.map((r) => r.load)), first: median(runs.map((r) => r.first)) };
}

const coldAt = process.argv.indexOf('--cold');
if (coldAt >= 0) {
  coldChild(process.argv[coldAt + 1]);
  process.exit(0);
}

const cold = timeCold('core');
const coldBase = timeCold('baseline');
console.log(`fresh process, medians of 15: core load (read + compile + instantiate) ${cold.load.toFixed(0)} µs, first decide() ${cold.first.toFixed(0)} µs; baseline first call ${coldBase.first.toFixed(0)} µs (default spec)`);
const inst = timeInstantiate();
console.log(`module: compile ${inst.compile.toFixed(0)} µs, instantiate ${inst.instantiate.toFixed(0)} µs (medians of 30; new WebAssembly.Module / Instance)`);
console.log(`${ROUNDS * PER_ROUND} timed calls per implementation and input after ${WARMUP} warm-up calls; µs per call\n`);
console.log('| input | implementation | p50 µs | p99 µs | p50 vs baseline | p99 vs baseline |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
let defaultCoreP50 = Infinity;
for (const c of cases) {
  checkSameWork(c);
  const samples = measure(c);
  const base = samples[samples.length - 1];
  const [b50, b99] = [quantile(base, 0.5), quantile(base, 0.99)];
  samples.forEach((s, k) => {
    const [p50, p99] = [quantile(s, 0.5), quantile(s, 0.99)];
    if (c === cases[0] && k === 0) defaultCoreP50 = p50;
    console.log(`| ${c.name} | ${impls[k].name} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${(p50 / b50).toFixed(2)}× | ${(p99 / b99).toFixed(2)}× |`);
  });
}
console.log(`\ntarget: core p50 ≤ 10 µs on the default spec: ${defaultCoreP50 <= 10 ? 'met' : 'MISSED'} (${defaultCoreP50.toFixed(2)} µs)`);
