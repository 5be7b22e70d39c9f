// The module's shape and the raw ABI: no imports, exactly the v1 exports, deterministic bytes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decideRaw, coreExports } from '../../host/core.js';
import { bytes, defaultSpecBytes, rootFacts } from './helpers.js';

const wasm = readFileSync(new URL('../../build/wrunc-core.wasm', import.meta.url));

function fresh() {
  return new WebAssembly.Instance(new WebAssembly.Module(wasm), {}).exports as any;
}

function rawOn(x: any, facts: Uint8Array, spec: Uint8Array): Uint8Array {
  const fp = x.alloc(facts.length);
  new Uint8Array(x.memory.buffer, fp, facts.length).set(facts);
  const sp = spec.length ? x.alloc(spec.length) : 0;
  if (sp) new Uint8Array(x.memory.buffer, sp, spec.length).set(spec);
  const res = x.decide(fp, facts.length, sp, spec.length);
  const len = new DataView(x.memory.buffer).getUint32(res, true);
  const out = new Uint8Array(x.memory.buffer, res + 4, len).slice();
  x.free(res);
  if (sp) x.free(sp);
  x.free(fp);
  return out;
}

describe('module', () => {
  it('has no imports', () => {
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasm))).toEqual([]);
  });

  it('exports exactly memory, abi_version, alloc, free, decide', () => {
    const names = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name).sort();
    expect(names).toEqual(['abi_version', 'alloc', 'decide', 'free', 'memory']);
  });

  it('speaks ABI 1', () => {
    expect(coreExports().abi_version()).toBe(1);
  });

  it('refuses negative and huge allocations with 0 instead of trapping', () => {
    const x = fresh();
    expect(x.alloc(-1)).toBe(0);
    expect(x.alloc(0x7fffffff)).toBe(0);
  });

  it('ignores frees of unknown pointers', () => {
    const x = fresh();
    expect(() => { x.free(0); x.free(12345); x.free(0xfffffff0); }).not.toThrow();
  });

  it('gives equal bytes for equal inputs, in one instance and across fresh ones', () => {
    const f = bytes(rootFacts());
    const a = decideRaw(f, defaultSpecBytes);
    const b = decideRaw(f, defaultSpecBytes);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    const c = rawOn(fresh(), f, defaultSpecBytes);
    const d = rawOn(fresh(), f, defaultSpecBytes);
    expect(Buffer.from(c).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(d).equals(Buffer.from(a))).toBe(true);
  });

  it('keeps memory bounded over 1,000,000 decide/free cycles', () => {
    const x = fresh();
    const f = bytes(rootFacts());
    const spec = new Uint8Array(defaultSpecBytes);
    for (let i = 0; i < 1000; i++) rawOn(x, f, spec);
    const after1k = x.memory.buffer.byteLength;
    // the hot loop reuses the input blocks, as an embedder reusing buffers would
    const fp = x.alloc(f.length);
    new Uint8Array(x.memory.buffer, fp, f.length).set(f);
    const sp = x.alloc(spec.length);
    new Uint8Array(x.memory.buffer, sp, spec.length).set(spec);
    for (let i = 0; i < 1_000_000; i++) x.free(x.decide(fp, f.length, sp, spec.length));
    x.free(sp);
    x.free(fp);
    expect(x.memory.buffer.byteLength).toBe(after1k);
    expect(after1k).toBeLessThanOrEqual(1 << 20);
  });

  it('a 10 MB config grows memory to about 3 bytes per input byte, and the result is the same as in pieces', () => {
    // documented in host/types.ts (Result): node table sized by counting, writers grown in place,
    // memory grown by exact pages, the plan not copied into the head
    const x = fresh();
    const spec = JSON.parse(defaultSpecBytes.toString('utf8'));
    spec.process.env = Array.from({ length: 100_000 }, (_, i) => `VAR_${i}=${'x'.repeat(96)}`);
    const big = bytes(spec);
    expect(big.length).toBeGreaterThan(10_000_000);
    const out = rawOn(x, bytes(rootFacts()), big);
    const r = JSON.parse(Buffer.from(out).toString('utf8'));
    expect(r.ok).toBe(true);
    expect(r.plan.process.env).toHaveLength(100_000);
    expect(x.memory.buffer.byteLength / big.length).toBeLessThan(4);
    expect(Buffer.from(out).equals(Buffer.from(decideRaw(bytes(rootFacts()), big)))).toBe(true);
  });
});
