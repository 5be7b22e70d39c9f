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
function findModule(): Buffer<ArrayBuffer> {
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

/**
 * Runs decide on the two inputs and hands `take` the result bytes while they are still in the
 * module's memory (a view, valid only during the call), then frees them.
 */
function withResult<T>(factsBytes: Uint8Array, configBytes: Uint8Array | null, take: (bytes: Uint8Array) => T): T {
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
    try {
      return take(m.subarray(res + 4, res + 4 + len));
    } finally {
      c.free(res);
    }
  } finally {
    if (fp) c.free(fp);
  }
}

// Results are copied into slices of a shared pool, as Buffer.allocUnsafe does for small sizes:
// a fresh ArrayBuffer per call (what slice() makes) costs more than the decision itself.
const POOL = 64 * 1024;
let pool = new Uint8Array(0);
let poolUsed = 0;

function copyOut(bytes: Uint8Array): Uint8Array {
  const len = bytes.length;
  if (len > POOL >>> 3) return bytes.slice();
  if (poolUsed + len > pool.length) {
    pool = new Uint8Array(POOL);
    poolUsed = 0;
  }
  const out = pool.subarray(poolUsed, poolUsed + len);
  out.set(bytes);
  poolUsed += (len + 7) & ~7;
  return out;
}

/**
 * The raw ABI: facts JSON bytes and config.json bytes (empty: no spec) in, result JSON bytes out.
 * The bytes are the caller's to keep; small results are views into a shared pool (byteOffset is
 * not 0 and .buffer is larger than the result), as with Buffer.allocUnsafe.
 */
export function decideRaw(factsBytes: Uint8Array, configBytes: Uint8Array | null): Uint8Array {
  return withResult(factsBytes, configBytes, copyOut);
}

/**
 * decide(facts, config.json bytes). A null config means "no spec given" (commands like state or
 * kill): decisions are computed and plan is null. The result is decoded straight from the
 * module's memory, without a copy.
 */
export function decide(facts: Facts, config: Uint8Array | null): Result {
  return withResult(encoder.encode(JSON.stringify(facts)), config, (bytes) => JSON.parse(decoder.decode(bytes)) as Result);
}
