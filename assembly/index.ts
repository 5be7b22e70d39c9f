// The ABI of contract v1, and nothing else: memory, abi_version, alloc, free, decide.
// The module imports nothing; an abort (which only a core bug could reach) traps.
import { hostAlloc, hostFree, mark, release } from "./arena";
import { run, resultPlan } from "./decide";

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
  const head = run(factsPtr, factsLen, specPtr, specLen);
  let plan = resultPlan;
  resultPlan = null;
  // The result goes where the scratch began (at m, or lower), over the scratch: the head and the
  // plan are moved down one after the other, in the order that cannot overwrite the other's
  // bytes before they are moved; when neither order is safe, the plan joins the head first.
  let hb = head.buf, hl = head.len;
  let pb: usize = 0, pl = 0;
  let planFirst = false;
  if (plan != null) {
    pb = plan.buf;
    pl = plan.len;
    const dst = m + 4;
    if (pb >= dst + <usize>hl) planFirst = false;
    else if (hb >= dst + <usize>hl + <usize>pl) planFirst = true;
    else {
      head.append(plan);
      head.endObj();
      hb = head.buf; hl = head.len;
      pl = 0;
    }
  }
  const tail = pl > 0 ? 1 : 0;
  const len = hl + pl + tail;
  // drop the scratch, then move the result down to where the scratch began
  release(m);
  const res = hostAlloc(<usize>len + 4);
  if (planFirst) {
    memory.copy(res + 4 + <usize>hl, pb, <usize>pl);
    memory.copy(res + 4, hb, <usize>hl);
  } else {
    memory.copy(res + 4, hb, <usize>hl);
    if (pl > 0) memory.copy(res + 4 + <usize>hl, pb, <usize>pl);
  }
  if (tail > 0) store<u8>(res + 4 + <usize>(hl + pl), 0x7d);
  store<u32>(res, <u32>len);
  return res;
}

// Target of "abort" (asconfig "use"): no env.abort import; reaching it is a bug, so trap.
function trap(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}
