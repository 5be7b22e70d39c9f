// Objects used as maps (annotations, sysctl, cgroup unified): their members with duplicate keys
// resolved the way every lookup resolves them, the last one wins. Linear time through a small
// open-addressing hash table, so a hostile map with many keys stays cheap.
import { Tape } from "./reader";

function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 16777619;
  return h;
}

function sameKey(t: Tape, a: i32, b: i32): bool {
  const n = t.strLen(a);
  return n == t.strLen(b) && memory.compare(t.start(a), t.start(b), <usize>n) == 0;
}

/** Key nodes of `obj` in document order, keeping only the last member of each name. */
export function lastMembers(t: Tape, obj: i32): i32[] {
  const out: i32[] = [];
  const n = t.size(obj);
  if (n == 0) return out;
  let cap = 8;
  while (cap < n * 2) cap <<= 1;
  const table = heap.alloc(<usize>cap << 2);
  memory.fill(table, 0xff, <usize>cap << 2);
  // first pass: table[key] = last key node with that name
  for (let k = t.first(obj); k >= 0; k = t.next(k)) {
    let slot = hashBytes(t.start(k), t.strLen(k)) & <u32>(cap - 1);
    while (true) {
      const at = table + (<usize>slot << 2);
      const cur = load<i32>(at);
      if (cur < 0 || sameKey(t, cur, k)) { store<i32>(at, k); break; }
      slot = (slot + 1) & <u32>(cap - 1);
    }
  }
  // second pass: keep k when it is the one the table holds
  for (let k = t.first(obj); k >= 0; k = t.next(k)) {
    let slot = hashBytes(t.start(k), t.strLen(k)) & <u32>(cap - 1);
    while (true) {
      const cur = load<i32>(table + (<usize>slot << 2));
      if (sameKey(t, cur, k)) { if (cur == k) out.push(k); break; }
      slot = (slot + 1) & <u32>(cap - 1);
    }
  }
  return out;
}
