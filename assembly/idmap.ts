// User and group id maps: the runtime's own (/proc/self/uid_map text from the facts) and the
// spec's (linux.uidMappings / gidMappings), the checks on the spec's maps, and their text form.
import { Writer } from "./json/writer";
import { Doc } from "./json/access";
import { Report } from "./report";

export const INSIDE: i32 = 0;
export const OUTSIDE: i32 = 1;
const U32_LIMIT: u64 = 0x100000000;
/** The kernel's limit on map lines (since Linux 4.15). */
export const MAX_ENTRIES: i32 = 340;

/**
 * Ranges `inside -> outside` of `count` ids: the first and second columns of a map line. Entries
 * live in one raw buffer (inside, outside, count as u64, then the spec entry's node and a
 * "broken" flag) so that a map costs one allocation, not one per column and growth step.
 */
const ENTRY: usize = 32;

export class IdMap {
  buf: usize = 0;
  length: i32 = 0;
  cap: i32 = 0;

  add(inside: u64, outside: u64, count: u64, node: i32, broken: bool = false): void {
    if (this.length == this.cap) {
      const cap = this.cap == 0 ? 4 : this.cap << 1;
      const buf = heap.alloc(<usize>cap * ENTRY);
      if (this.length > 0) memory.copy(buf, this.buf, <usize>this.length * ENTRY);
      this.buf = buf;
      this.cap = cap;
    }
    const e = this.buf + <usize>this.length * ENTRY;
    store<u64>(e, inside);
    store<u64>(e, outside, 8);
    store<u64>(e, count, 16);
    store<i32>(e, node, 24);
    store<i32>(e, broken ? 1 : 0, 28);
    this.length++;
  }

  @inline inside(i: i32): u64 { return load<u64>(this.buf + <usize>i * ENTRY); }
  @inline outside(i: i32): u64 { return load<u64>(this.buf + <usize>i * ENTRY, 8); }
  @inline count(i: i32): u64 { return load<u64>(this.buf + <usize>i * ENTRY, 16); }
  /** for spec maps: the entry's node, for error paths */
  @inline node(i: i32): i32 { return load<i32>(this.buf + <usize>i * ENTRY, 24); }
  /**
   * for spec maps: a member was missing or wrong (already reported as spec.*). The entry maps
   * nothing (count 0) and the id-map checks skip it: missing is not 0.
   */
  @inline broken(i: i32): bool { return load<i32>(this.buf + <usize>i * ENTRY, 28) != 0; }
  @inline start(side: i32, i: i32): u64 { return side == INSIDE ? this.inside(i) : this.outside(i); }

  isIdentity(): bool {
    return this.length == 1 && this.inside(0) == 0 && this.outside(0) == 0 && this.count(0) == U32_LIMIT - 1;
  }

  /** A single line mapping exactly one id to `own` on the outside. */
  isSelfMap(own: u64): bool {
    return this.length == 1 && this.outside(0) == own && this.count(0) == 1;
  }

  /** Whether every id of [id, id+n) falls in some range on `side`. */
  covers(side: i32, id: u64, n: u64): bool {
    const stop = id + n;
    let cur = id;
    for (let step = 0; step <= this.length && cur < stop; step++) {
      let advanced = false;
      for (let i = 0; i < this.length; i++) {
        const s = this.start(side, i);
        const e = s + this.count(i);
        if (cur >= s && cur < e) { cur = e; advanced = true; break; }
      }
      if (!advanced) return false;
    }
    return cur >= stop;
  }

  @inline has(side: i32, id: u64): bool { return this.covers(side, id, 1); }

  /** Map file lines "inside outside count\n", as a JSON string. */
  writeLines(w: Writer): void {
    w.byte(0x22);
    for (let i = 0; i < this.length; i++) {
      w.u64(this.inside(i)); w.byte(0x20);
      w.u64(this.outside(i)); w.byte(0x20);
      w.u64(this.count(i)); w.byte(0x5c); w.byte(0x6e);
    }
    w.byte(0x22);
  }
}

/** Identity map of the initial user namespace, the default for absent facts. */
export function identityMap(): IdMap {
  const m = new IdMap();
  m.add(0, 0, U32_LIMIT - 1, -1);
  return m;
}

/** Reads one whitespace-separated decimal from [p, end) into `parsedValue`; returns the new p, 0 on error. */
let parsedValue: u64 = 0;
function field(p: usize, end: usize): usize {
  while (p < end && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09)) p++;
  let v: u64 = 0;
  let digits = 0;
  while (p < end) {
    const c = <i32>load<u8>(p);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + <u64>(c - 0x30);
    if (++digits > 10) return 0;
    p++;
  }
  if (digits == 0) return 0;
  parsedValue = v;
  return p;
}

/** Parses /proc/self/uid_map text; null when it is not lines of three numbers. */
export function parseMapText(p: usize, len: i32): IdMap | null {
  const m = new IdMap();
  const end = p + <usize>len;
  while (p < end) {
    while (p < end && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09 || load<u8>(p) == 0x0a)) p++;
    if (p >= end) break;
    p = field(p, end); if (p == 0) return null;
    const a = parsedValue;
    p = field(p, end); if (p == 0) return null;
    const b = parsedValue;
    p = field(p, end); if (p == 0) return null;
    const c = parsedValue;
    while (p < end && (load<u8>(p) == 0x20 || load<u8>(p) == 0x09)) p++;
    if (p < end && load<u8>(p) != 0x0a) return null;
    if (c == 0 || a + c > U32_LIMIT || b + c > U32_LIMIT || m.length >= MAX_ENTRIES) return null;
    m.add(a, b, c, -1);
  }
  return m;
}

/** Reads linux.uidMappings / gidMappings (-1 = absent) with type checks. */
export function readSpecMap(doc: Doc, arr: i32): IdMap {
  const m = new IdMap();
  if (arr < 0) return m;
  const t = doc.t;
  for (let e = t.first(arr); e >= 0; e = t.next(e)) {
    if (t.kind(e) != 6) { doc.typeError(e, "an object"); continue; }
    const errors = doc.r.errorCount;
    const c = doc.unsigned(e, "containerID", U32.MAX_VALUE, 0, true);
    const h = doc.unsigned(e, "hostID", U32.MAX_VALUE, 0, true);
    const s = doc.unsigned(e, "size", U32.MAX_VALUE, 0, true);
    const broken = doc.r.errorCount != errors;
    m.add(c, h, broken ? 0 : s, e, broken);
  }
  return m;
}

/**
 * The contract's checks on one spec map: idmap.invalid, idmap.overlap, idmap.host-unmapped and
 * (rootless) idmap.not-allotted. `own` is the runtime's map; `allotted` holds, in its inside
 * column, the runtime's own id and its subuid/subgid ranges (see Facts).
 */
export function checkSpecMap(doc: Doc, arr: i32, m: IdMap, what: string, own: IdMap, rootless: bool, ownId: u64, allotted: IdMap): void {
  const r: Report = doc.r;
  if (m.length > MAX_ENTRIES) {
    r.error("idmap.invalid", doc.path(arr), what + " has " + m.length.toString() + " entries but the kernel accepts at most " + MAX_ENTRIES.toString() + "; merge adjacent ranges.");
    return;
  }
  // the pairwise overlap search (which names the first entry overlapped) only when some pair overlaps
  const overlaps = m.length > 1 && (anyOverlap(m, INSIDE) || anyOverlap(m, OUTSIDE));
  for (let i = 0; i < m.length; i++) {
    if (m.broken(i)) continue;
    const n = m.node(i);
    const c = m.inside(i), h = m.outside(i), s = m.count(i);
    if (s == 0) {
      r.error("idmap.invalid", doc.path(n) + "/size", what + " entry " + i.toString() + " has size 0; give it a size of at least 1 or remove it.");
      continue;
    }
    if (c + s > U32_LIMIT || h + s > U32_LIMIT) {
      r.error("idmap.invalid", doc.path(n) + "/size", what + " entry " + i.toString() + " runs past id 4294967295; reduce its size.");
      continue;
    }
    let overlap = false;
    for (let j = 0; j < i && overlaps && !overlap; j++) {
      const sj = m.count(j);
      if (sj == 0) continue; // an empty (size 0 or broken) entry overlaps nothing
      for (let side = INSIDE; side <= OUTSIDE; side++) {
        const a = m.start(side, i), b = m.start(side, j);
        if (a < b + sj && b < a + s) {
          r.error("idmap.overlap", doc.path(n), what + " entry " + i.toString() + " overlaps entry " + j.toString() + " on the " + (side == INSIDE ? "container" : "host") + " side; make the ranges disjoint.");
          overlap = true;
          break;
        }
      }
    }
    if (overlap) continue;
    if (!own.covers(INSIDE, h, s)) {
      r.error("idmap.host-unmapped", doc.path(n) + "/hostID", what + " entry " + i.toString() + " maps host ids " + h.toString() + "-" + (h + s - 1).toString() + ", which are not all mapped in the runtime's own user namespace; map only ids listed in /proc/self/" + (what == "uidMappings" ? "uid_map" : "gid_map") + ".");
      continue;
    }
    if (rootless && !allotted.covers(INSIDE, h, s)) {
      r.error("idmap.not-allotted", doc.path(n) + "/hostID", what + " entry " + i.toString() + " maps host ids " + h.toString() + "-" + (h + s - 1).toString() + ", which are neither your own id " + ownId.toString() + " nor in your /etc/" + (what == "uidMappings" ? "subuid" : "subgid") + " ranges; map only ids allotted to you.");
    }
  }
}


/** Whether any two entries overlap on `side`: sorted by start (insertion sort: maps come sorted), adjacent pairs compared. */
function anyOverlap(m: IdMap, side: i32): bool {
  const n = m.length;
  const order = heap.alloc(<usize>n << 2);
  for (let i = 0; i < n; i++) {
    const s = m.start(side, i);
    let j = i;
    while (j > 0 && m.start(side, load<i32>(order + (<usize>(j - 1) << 2))) > s) {
      store<i32>(order + (<usize>j << 2), load<i32>(order + (<usize>(j - 1) << 2)));
      j--;
    }
    store<i32>(order + (<usize>j << 2), i);
  }
  // the furthest end so far, so a long range overlapping a later one past its neighbour counts
  let end: u64 = 0;
  for (let k = 0; k < n; k++) {
    const i = load<i32>(order + (<usize>k << 2));
    const c = m.count(i);
    if (c == 0) continue;
    const s = m.start(side, i);
    if (k > 0 && s < end) return true;
    if (s + c > end) end = s + c;
  }
  return false;
}
