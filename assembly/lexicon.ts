// Name tables (mount options, capabilities, rlimits, namespace types, seccomp words ...) looked up
// straight from UTF-8 bytes. Names are bucketed by length and first letters, so a lookup compares
// against a handful of candidates instead of the whole table. Built once at instantiation.
import { Tape } from "./json/reader";

const BUCKETS: i32 = 128;

export class Lexicon {
  names: string[];
  values: i64[];
  /** bucket -> indexes of the names in it */
  buckets: Array<Array<i32>> = [];
  /** the names as UTF-8 bytes, back to back, and each one's offset and length there */
  bytes: usize = 0;
  offsets: StaticArray<i32> = new StaticArray<i32>(0);
  lengths: StaticArray<i32> = new StaticArray<i32>(0);

  constructor(names: string[], values: i64[]) {
    this.names = names;
    this.values = values;
    for (let b = 0; b < BUCKETS; b++) this.buckets.push([]);
    let total = 0;
    for (let i = 0; i < names.length; i++) total += names[i].length;
    this.bytes = heap.alloc(<usize>total + 8);
    this.offsets = new StaticArray<i32>(names.length);
    this.lengths = new StaticArray<i32>(names.length);
    let at = 0;
    for (let i = 0; i < names.length; i++) {
      const s = names[i];
      const len = s.length;
      for (let j = 0; j < len; j++) store<u8>(this.bytes + <usize>(at + j), <u8>s.charCodeAt(j));
      unchecked(this.offsets[i] = at);
      unchecked(this.lengths[i] = len);
      at += len;
      const h = hash(len, len > 0 ? <i32>s.charCodeAt(0) : 0, len > 1 ? <i32>s.charCodeAt(len - 1) : 0);
      this.buckets[h].push(i);
    }
  }

  /** The index of a string node's name, or -1. */
  find(t: Tape, n: i32): i32 {
    const p = t.start(n);
    const len = t.strLen(n);
    const h = hash(len, len > 0 ? <i32>load<u8>(p) : 0, len > 1 ? <i32>load<u8>(p + <usize>(len - 1)) : 0);
    const b = unchecked(this.buckets[h]);
    for (let i = 0; i < b.length; i++) {
      const k = unchecked(b[i]);
      if (unchecked(this.lengths[k]) != len) continue;
      const q = this.bytes + <usize>unchecked(this.offsets[k]);
      // eight bytes at a time while whole words remain in the node's bytes, then the tail
      let j = 0;
      while (j + 8 <= len && load<u64>(p + <usize>j) == load<u64>(q + <usize>j)) j += 8;
      while (j < len && load<u8>(p + <usize>j) == load<u8>(q + <usize>j)) j++;
      if (j == len) return k;
    }
    return -1;
  }

  @inline value(i: i32): i64 { return unchecked(this.values[i]); }
  @inline name(i: i32): string { return unchecked(this.names[i]); }

  /** The index of a value, or -1 (for writing names back). */
  indexOfValue(v: i64): i32 {
    for (let i = 0; i < this.values.length; i++) if (unchecked(this.values[i]) == v) return i;
    return -1;
  }
}

@inline function hash(len: i32, a: i32, z: i32): i32 {
  return (len * 7 + a * 3 + z) & (BUCKETS - 1);
}

/** A lexicon whose values are the names' positions (capability numbers, rlimit numbers ...). */
export function numbered(names: string[]): Lexicon {
  const v: i64[] = [];
  for (let i = 0; i < names.length; i++) v.push(i);
  return new Lexicon(names, v);
}
