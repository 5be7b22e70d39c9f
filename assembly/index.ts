// The ABI of contract v1, and nothing else: memory, abi_version, alloc, free, decide.
// The module imports nothing; an abort (which only a core bug could reach) traps.
import { hostAlloc, hostFree, mark, release } from "./arena";
import { run } from "./decide";

/** Largest block the host may ask for (the stub allocator's own limit is 1 GiB). */
const MAX_ALLOC: i32 = 512 << 20;

export function abi_version(): i32 {
  return 1;
}

/** A pointer to `size` writable bytes, or 0 when the size is negative or too large. */
export function alloc(size: i32): usize {
  if (size < 0 || size > MAX_ALLOC) return 0;
  return hostAlloc(<usize>size);
}

export function free(ptr: usize): void {
  hostFree(ptr);
}

/**
 * Returns a block holding a little-endian u32 length and that many bytes of result JSON.
 * Inputs outside memory are treated as empty rather than read.
 */
export function decide(factsPtr: usize, factsLen: i32, specPtr: usize, specLen: i32): usize {
  const limit = <usize>memory.size() << 16;
  if (factsLen < 0 || factsPtr + <usize>factsLen > limit || factsPtr + <usize>factsLen < factsPtr) factsLen = 0;
  if (specLen < 0 || specPtr + <usize>specLen > limit || specPtr + <usize>specLen < specPtr) specLen = 0;
  const m = mark();
  const out = run(factsPtr, factsLen, specPtr, specLen);
  const src = out.buf;
  const len = out.len;
  // drop the scratch, then move the result down to where the scratch began
  release(m);
  const res = hostAlloc(<usize>len + 4);
  memory.copy(res + 4, src, <usize>len);
  store<u32>(res, <u32>len);
  return res;
}

// Target of "abort" (asconfig "use"): no env.abort import; reaching it is a bug, so trap.
function trap(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}
