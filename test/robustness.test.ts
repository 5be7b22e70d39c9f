// The contract's "no trap on any input" and "memory stays bounded", tested through the raw ABI
// (decideRaw: bytes in, bytes out). A trap surfaces as a thrown WebAssembly.RuntimeError.
// Also `npm run fuzz`. Reproduce a run with WRUNC_FUZZ_SEED=<printed seed>; a failing input is
// saved to build/fuzz-failure.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreExports, decideRaw } from '../host/core.js';
import { generateInputs, type Input } from './gen/inputs.js';
import { fixtureBytes, loadVectors, repoRoot, vectorNamed } from './vectors/load.js';

const SEED = process.env.WRUNC_FUZZ_SEED ? Number(process.env.WRUNC_FUZZ_SEED) >>> 0 : (Date.now() ^ process.pid) >>> 0;
const CASES = 250_000;
const CYCLES = 1_000_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();
const rootFacts = vectorNamed('real root: default spec').factsBytes;
const defaultSpec = () => JSON.parse(Buffer.from(fixtureBytes('default')).toString('utf8'));
const json = (x: unknown) => utf8.encode(JSON.stringify(x));
const memoryBytes = () => coreExports().memory.buffer.byteLength;

function saveFailure(input: Input, why: string): string {
  const file = join(repoRoot, 'build', 'fuzz-failure.json');
  mkdirSync(join(repoRoot, 'build'), { recursive: true });
  writeFileSync(file, JSON.stringify({ seed: SEED, how: input.how, why,
    facts: Buffer.from(input.facts).toString('base64'), config: Buffer.from(input.config).toString('base64') }, null, 2));
  return file;
}

/**
 * One call with the checks every input must pass: no trap, strict UTF-8, JSON, abi 1, boolean ok,
 * ok exactly when there are no errors, decisions null only when ok is false.
 * Plain throws, not expect(): this runs a hundred thousand times.
 */
function decideChecked(input: Input): any {
  let bytes: Uint8Array;
  try {
    bytes = decideRaw(input.facts, input.config);
  } catch (e) {
    throw new Error(`${e instanceof WebAssembly.RuntimeError ? 'trap' : 'host error'} on ${input.how} (seed ${SEED}): ${e}; input saved to ${saveFailure(input, String(e))}`);
  }
  let result: any;
  try {
    result = JSON.parse(strictUtf8.decode(bytes));
  } catch (e) {
    throw new Error(`unparseable result on ${input.how} (seed ${SEED}): ${e}; input saved to ${saveFailure(input, String(e))}`);
  }
  const bad = result === null || typeof result !== 'object' ? 'not an object'
    : result.abi !== 1 ? 'abi is not 1'
    : typeof result.ok !== 'boolean' ? 'ok is not a boolean'
    : !Array.isArray(result.errors) || !Array.isArray(result.warnings) ? 'errors/warnings are not arrays'
    : result.ok !== (result.errors.length === 0) ? 'ok disagrees with errors'
    : result.decisions === null && result.ok ? 'ok without decisions'
    : result.plan !== null && !result.ok ? 'a plan with errors'
    : '';
  if (bad) throw new Error(`${bad} on ${input.how} (seed ${SEED}): ${Buffer.from(bytes).toString().slice(0, 300)}; input saved to ${saveFailure(input, bad)}`);
  return result;
}

const named = (how: string, facts: Uint8Array, config: Uint8Array): Input => ({ how, facts, config });

// First in the file, so the instance is fresh: after the 10 MB config below, memory is large
// enough to hide a leak of a few hundred bytes per call.
describe('robustness: memory', () => {
  it(`${CYCLES.toLocaleString('en')} decide/free cycles do not grow memory`, () => {
    const facts = rootFacts;
    const config = fixtureBytes('default');
    // Steady state first: the first calls may grow memory to its working size once.
    for (let i = 0; i < 10_000; i++) decideRaw(facts, config);
    const steady = memoryBytes();
    for (let i = 0; i < CYCLES - 10_000; i++) decideRaw(facts, config);
    // Any per-call leak, even one byte, is a megabyte after a million calls: several pages.
    expect(memoryBytes()).toBe(steady);
    expect(steady, 'working memory for runc\'s default spec').toBeLessThan(4 << 20);
  });
});

describe('robustness: named inputs', () => {
  it('empty facts and config: unreadable facts, no decisions', () => {
    const r = decideChecked(named('empty', new Uint8Array(0), new Uint8Array(0)));
    expect(r.ok).toBe(false);
    expect(r.decisions).toBeNull();
  });

  it('invalid UTF-8 inside a config string is an error, and the output stays valid UTF-8', () => {
    const text = Buffer.from(fixtureBytes('default')).toString('latin1').replace('"runc"', '"ru\xffnc\xc0\xaf"');
    const r = decideChecked(named('invalid utf-8 in hostname', rootFacts, Buffer.from(text, 'latin1')));
    expect(r.ok).toBe(false);
  });

  it('invalid UTF-8 in the facts is an error', () => {
    const facts = Buffer.from(Buffer.from(rootFacts).toString('latin1').replace('"root"', '"ro\xed\xa0\x80t"'), 'latin1');
    expect(decideChecked(named('invalid utf-8 in facts', facts, fixtureBytes('default'))).ok).toBe(false);
  });

  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['unclosed arrays', '['.repeat(100_000)],
    ['inside an annotation', '{"ociVersion":"1.0.2","annotations":{"x":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}}'],
  ])('100,000-deep nesting (%s) in the config is an error, not a trap', (_kind, text) => {
    expect(decideChecked(named(`deep ${_kind}`, rootFacts, utf8.encode(text))).ok).toBe(false);
  });

  it('100,000-deep nesting in the facts', () => {
    const facts = Buffer.from(rootFacts).toString().replace('"env":', '"deep":' + '['.repeat(100_000) + ']'.repeat(100_000) + ',"env":');
    decideChecked(named('deep facts', utf8.encode(facts), fixtureBytes('default')));
  });

  it('a 10 MB config', () => {
    const spec = defaultSpec();
    spec.process.env = Array.from({ length: 100_000 }, (_, i) => `VAR_${i}=${'x'.repeat(96)}`);
    const config = json(spec);
    expect(config.length).toBeGreaterThan(10_000_000);
    const r = decideChecked(named('10 MB config', rootFacts, config));
    if (r.ok) expect(r.plan.process.env).toHaveLength(100_000);
    console.log(`10 MB config: ok ${r.ok}, core memory now ${memoryBytes()} bytes`);
  });

  it.each([
    ['uid 2^32', '/process/user/uid', 4294967296],
    ['uid 2^53+1', '/process/user/uid', '9007199254740993'],
    ['uid 1e400', '/process/user/uid', '1e400'],
    ['gid -2^32', '/process/user/gid', -4294967296],
    ['additional gid 2^64', '/process/user/additionalGids', '[18446744073709551616]'],
  ])('%s is rejected at its path', (name, path, value) => {
    // A marker string stands in for the number, which JSON.stringify could not write exactly.
    const spec = defaultSpec();
    spec.process.user[path.split('/').pop()!] = '\u0001N\u0001';
    const raw = JSON.stringify(spec).replace('"\\u0001N\\u0001"', String(value));
    const r = decideChecked(named(name, rootFacts, utf8.encode(raw)));
    expect(r.ok).toBe(false);
    expect(r.errors.some((e: any) => e.path.startsWith(path)), JSON.stringify(r.errors)).toBe(true);
  });

  it('u64 rlimits keep their exact value past 2^53 (decimal strings in the plan)', () => {
    const spec = defaultSpec();
    spec.process.rlimits[0].soft = '\u0001S\u0001';
    spec.process.rlimits[0].hard = '\u0001H\u0001';
    const raw = JSON.stringify(spec).replace('"\\u0001S\\u0001"', '9007199254740993').replace('"\\u0001H\\u0001"', '18446744073709551615');
    const r = decideChecked(named('u64 rlimit', rootFacts, utf8.encode(raw)));
    expect(r.ok, JSON.stringify(r.errors)).toBe(true);
    expect(r.plan.process.rlimits[0]).toMatchObject({ soft: '9007199254740993', hard: '18446744073709551615' });
  });

  it('an rlimit of 2^64 is rejected', () => {
    const raw = Buffer.from(fixtureBytes('default')).toString().replace(/"hard": 1024/, '"hard": 18446744073709551616');
    const r = decideChecked(named('rlimit 2^64', rootFacts, utf8.encode(raw)));
    expect(r.ok).toBe(false);
    expect(r.errors.some((e: any) => e.path === '/process/rlimits/0/hard'), JSON.stringify(r.errors)).toBe(true);
  });

  it('mapping sizes past 2^32 and 2^53 are rejected at the entry', () => {
    for (const size of ['4294967296', '9007199254740993']) {
      const raw = Buffer.from(fixtureBytes('rootless')).toString().replace(/"size": 1/, `"size": ${size}`);
      const r = decideChecked(named(`map size ${size}`, rootFacts, utf8.encode(raw)));
      expect(r.ok).toBe(false);
      expect(r.errors.some((e: any) => e.path.startsWith('/linux/uidMappings/0')), JSON.stringify(r.errors)).toBe(true);
    }
  });

  it('duplicate keys in config and facts give a result, the same one every time', () => {
    const config = utf8.encode(Buffer.from(fixtureBytes('default')).toString().replace('"hostname": "runc"', '"hostname": "a", "hostname": 5, "hostname": "runc"'));
    const facts = utf8.encode(Buffer.from(rootFacts).toString().replace('{"euid":0', '{"euid":1000,"euid":0'));
    const input = named('duplicate keys', facts, config);
    const first = decideRaw(input.facts, input.config);
    decideChecked(input);
    expect(Buffer.from(decideRaw(input.facts, input.config)).equals(Buffer.from(first))).toBe(true);
  });
});

describe('robustness: generated inputs', () => {
  it(`${CASES.toLocaleString('en')} mutated and random inputs never trap`, () => {
    const started = performance.now();
    console.log(`fuzz seed ${SEED} (WRUNC_FUZZ_SEED=${SEED} to reproduce)`);
    const vectors = loadVectors();
    const inputs = generateInputs(SEED, vectors);
    let rejected = 0;
    for (let i = 0; i < CASES; i++) {
      const input = inputs.next().value as Input;
      const r = decideChecked(input);
      if (!r.ok) rejected++;
      // Every 97th input runs twice: state leaking from one call into the next shows up as a difference.
      if (i % 97 === 0) {
        const again = decideRaw(input.facts, input.config);
        if (JSON.stringify(JSON.parse(Buffer.from(again).toString())) !== JSON.stringify(r)) {
          throw new Error(`not deterministic on ${input.how} (seed ${SEED}); input saved to ${saveFailure(input, 'nondeterministic')}`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzz: ${CASES} inputs in ${seconds.toFixed(1)} s, ${rejected} rejected, ${CASES - rejected} accepted, memory ${memoryBytes()} bytes`);
    // A generator that only produces garbage (or only valid specs) would test little.
    expect(rejected).toBeGreaterThan(CASES / 10);
    expect(CASES - rejected).toBeGreaterThan(CASES / 100);
  });
});
