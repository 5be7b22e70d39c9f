// The decision core, loaded once: build/wrunc-core.wasm (from assembly/) through its raw ABI.
// Plain WebAssembly API rather than @assemblyscript/loader: the ABI is four functions over bytes,
// the loader would add a dependency and lifting helpers for managed objects the ABI never passes,
// and other embedders (wasm2c, Go, Rust) use exactly this sequence too.
import { readFileSync } from 'node:fs';
import type { Facts, Result } from './types.js';

interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  alloc(size: number): number;
  free(ptr: number): void;
  decide(factsPtr: number, factsLen: number, specPtr: number, specLen: number): number;
}

export const CORE_ABI = 1;

/**
 * The module sits next to the bundle (build/wrunc.mjs → build/wrunc-core.wasm); when this file
 * runs from source (vitest, host/core.ts), it is in ../build/.
 */
function findModule(): Uint8Array {
  const candidates = [new URL('./wrunc-core.wasm', import.meta.url), new URL('../build/wrunc-core.wasm', import.meta.url)];
  for (const url of candidates) {
    try {
      return readFileSync(url);
    } catch {
      // try the next location
    }
  }
  throw new Error(`wrunc-core.wasm not found (looked at ${candidates.map((u) => u.pathname).join(', ')}); run npm run build:core`);
}

let core: CoreExports | null = null;

/** The instantiated module (synchronously, once). */
export function coreExports(): CoreExports {
  if (core) return core;
  const module = new WebAssembly.Module(findModule());
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as CoreExports;
  if (exports.abi_version() !== CORE_ABI) {
    throw new Error(`wrunc-core.wasm speaks ABI ${exports.abi_version()}, this host speaks ${CORE_ABI}; rebuild`);
  }
  core = exports;
  return core;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** A byte view of the module's memory, renewed when the memory grows (which detaches the old buffer). */
let view: Uint8Array | null = null;
function bytesOf(c: CoreExports): Uint8Array {
  const buffer = c.memory.buffer;
  if (view === null || view.buffer !== buffer) view = new Uint8Array(buffer);
  return view;
}

/** The raw ABI: facts JSON bytes and config.json bytes (empty: no spec) in, result JSON bytes out. */
export function decideRaw(factsBytes: Uint8Array, configBytes: Uint8Array | null): Uint8Array {
  const c = coreExports();
  const spec = configBytes ?? EMPTY;
  // one block for both inputs: one alloc and one free fewer per call
  const total = factsBytes.length + spec.length;
  const fp = total === 0 ? 0 : c.alloc(total);
  if (total !== 0 && fp === 0) throw new Error(`the decision core cannot take an input of ${total} bytes`);
  if (total !== 0) {
    const m = bytesOf(c);
    m.set(factsBytes, fp);
    m.set(spec, fp + factsBytes.length);
  }
  const sp = spec.length === 0 ? 0 : fp + factsBytes.length;
  try {
    // an empty input is pointer 0, as before (test/vectors/README.md)
    const res = c.decide(factsBytes.length === 0 ? 0 : fp, factsBytes.length, sp, spec.length);
    // memory may have grown during decide: bytesOf takes a fresh view then
    const m = bytesOf(c);
    const len = (m[res] | (m[res + 1] << 8) | (m[res + 2] << 16) | (m[res + 3] << 24)) >>> 0;
    const out = m.slice(res + 4, res + 4 + len);
    c.free(res);
    return out;
  } finally {
    if (fp) c.free(fp);
  }
}

/**
 * decide(facts, config.json bytes). A null config means "no spec given" (commands like state or
 * kill): decisions are computed and plan is null.
 */
export function decide(facts: Facts, config: Uint8Array | null): Result {
  return JSON.parse(decoder.decode(decideRaw(encoder.encode(JSON.stringify(facts)), config))) as Result;
}
