// Memory discipline for a pure function on the stub runtime (a bump allocator that never frees).
// Everything decide() allocates is scratch that dies when it returns, so decide() takes a mark
// on entry and releases back to it before placing the result: the heap then holds only the
// blocks the host still owns (its inputs and results), and once the host has freed them all the
// heap is back where it started. Allocation is a pointer add, which is why the core uses the
// stub runtime and not a GC.
import { BLOCK_OVERHEAD } from "rt/common";

/** Host-owned blocks (from alloc, or results of decide) that are not yet freed. */
const MAX_LIVE: i32 = 256;
const live = memory.data(MAX_LIVE * 4);
let liveCount: i32 = 0;
/** A block was handed out untracked (table full): never reset under it. */
let untracked = false;
/** The heap top before the host's first block; 0 until then. */
let baseMark: usize = 0;

/** A zero-size block marking the current heap top. */
export function mark(): usize {
  return heap.alloc(0);
}

/**
 * Drops every block allocated since `m` (including `m`). The stub frees only its last block, so
 * the mark block is stretched to end at the current top and then freed as that last block.
 */
export function release(m: usize): void {
  const probe = heap.alloc(0);
  const top = probe + load<usize>(probe - BLOCK_OVERHEAD);
  store<usize>(m - BLOCK_OVERHEAD, top - m);
  heap.free(m);
}

/** Allocates a block the host owns until it calls free(). */
export function hostAlloc(size: usize): usize {
  if (liveCount == 0 && !untracked) {
    if (baseMark != 0) release(baseMark);
    baseMark = mark();
  }
  const ptr = heap.alloc(size);
  if (liveCount < MAX_LIVE) {
    store<usize>(live + (<usize>liveCount << 2), ptr);
    liveCount++;
  } else untracked = true;
  return ptr;
}

/**
 * Gives back a host block. Unknown pointers (double frees, garbage) are ignored rather than
 * trusted, so a confused host cannot make the core touch memory it does not own.
 */
export function hostFree(ptr: usize): void {
  for (let i = 0; i < liveCount; i++) {
    const slot = live + (<usize>i << 2);
    if (load<usize>(slot) != ptr) continue;
    liveCount--;
    store<usize>(slot, load<usize>(live + (<usize>liveCount << 2)));
    if (liveCount == 0 && !untracked) {
      release(baseMark);
      baseMark = mark();
    } else heap.free(ptr);
    return;
  }
}

/**
 * Grows memory to hold `bytes` more above the heap top, by exactly the pages needed: the stub
 * allocator grows by doubling, which would leave up to twice the high-water mark behind for good
 * after one huge config. Called before the large blocks (node table, writer growth). When the
 * grow fails, nothing changes and the allocation fails as it would have.
 */
export function reserveMemory(bytes: usize): void {
  const probe = heap.alloc(0);
  const need = probe + bytes + 256;
  heap.free(probe);
  const have = <usize>memory.size() << 16;
  if (need > have) memory.grow(<i32>((need - have + 0xffff) >> 16));
}
