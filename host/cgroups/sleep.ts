// A synchronous pause for short retry loops (rmdir of a busy cgroup, a held lock), where the
// callers are synchronous and a few milliseconds of blocking is the point.
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepMs(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
