// Portability: the same .wasm, translated to C by wasm2c and run natively by test/embed-c/driver.c,
// must return byte-identical results to the Node host's decideRaw for every conformance vector and
// for a fixed sample of generated inputs. No skip: a missing wasm2c is a failure (.ci installs wabt).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideRaw } from '../host/core.js';
import { generateInputs } from './gen/inputs.js';
import { loadVectors, repoRoot } from './vectors/load.js';

const wasm = join(repoRoot, 'build', 'wrunc-core.wasm');
const outDir = join(repoRoot, 'build', 'embed-c');
const driver = join(outDir, 'driver');
// Fixed, not random: this test is about equality between engines, the fuzzer is about traps.
const GENERATED_SEED = 20261129;
const GENERATED = 2000;

interface Case { label: string; facts: Uint8Array; config: Uint8Array }

function cases(): Case[] {
  const vectors = loadVectors();
  const out: Case[] = vectors.map((v) => ({ label: `${v.file}: ${v.name}`, facts: v.factsBytes, config: v.configBytes }));
  const gen = generateInputs(GENERATED_SEED, vectors);
  for (let i = 0; i < GENERATED; i++) {
    const input = gen.next().value!;
    out.push({ label: `generated #${i}: ${input.how}`, facts: input.facts, config: input.config });
  }
  return out;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** The driver's stdin: u32le length + bytes, facts then config, per case. */
function encodeStream(cs: Case[]): Buffer {
  return Buffer.concat(cs.flatMap((c) => [u32le(c.facts.length), Buffer.from(c.facts), u32le(c.config.length), Buffer.from(c.config)]));
}

function decodeStream(out: Buffer): Buffer[] {
  const results: Buffer[] = [];
  for (let at = 0; at < out.length;) {
    if (at + 4 > out.length) throw new Error(`driver output truncated at byte ${at}`);
    const len = out.readUInt32LE(at);
    if (at + 4 + len > out.length) throw new Error(`driver result truncated at byte ${at}`);
    results.push(out.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return results;
}

describe('wasm2c embedding', () => {
  beforeAll(() => {
    if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build:core`);
    mkdirSync(outDir, { recursive: true });
    execFileSync(join(repoRoot, 'test', 'embed-c', 'build.sh'), [wasm, outDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  });

  it('native results are byte-identical to the Node host for every vector and generated input', () => {
    const cs = cases();
    const stream = encodeStream(cs);
    // Kept on disk so a mismatch can be replayed by hand: build/embed-c/driver < build/embed-c/inputs.bin
    writeFileSync(join(outDir, 'inputs.bin'), stream);
    const native = decodeStream(execFileSync(driver, [], { input: stream, maxBuffer: 1 << 30 }));
    expect(native.length).toBe(cs.length);
    const mismatches: string[] = [];
    cs.forEach((c, i) => {
      const node = Buffer.from(decideRaw(c.facts, c.config));
      if (!node.equals(native[i])) mismatches.push(`${c.label}\n  node:   ${node.toString().slice(0, 200)}\n  native: ${native[i].toString().slice(0, 200)}`);
    });
    expect(mismatches, mismatches.slice(0, 5).join('\n')).toEqual([]);
  });
});
