// A byte-level JSON reader over UTF-8 input. It never decodes the input into a UTF-16 string:
// it builds a flat "tape" of nodes that point at the bytes, so keys and values are compared as
// bytes and copied to the output without conversion. It validates strictly (RFC 8259, UTF-8
// included), limits nesting depth so deep input is an error instead of a stack overflow, and on
// failure records the byte offset and the JSON Pointer of the value it was reading.
//
// Duplicate keys: all members are kept on the tape and every lookup takes the last one, as Go's
// encoding/json (and so runc) does. Deterministic, and documented in host/types.ts.

export const K_NULL: i32 = 0;
export const K_FALSE: i32 = 1;
export const K_TRUE: i32 = 2;
export const K_NUMBER: i32 = 3;
export const K_STRING: i32 = 4;
export const K_ARRAY: i32 = 5;
export const K_OBJECT: i32 = 6;
export const K_KEY: i32 = 7;

/** The string had escapes: start/end point at a decoded copy, which may hold '"', '\\' or controls. */
export const F_DECODED: i32 = 0x100;
/** Bits 16-31 of a key node's first word: a signature of its bytes, so lookups skip most keys cheaply. */
@inline function signature(p: usize, len: i32): i32 {
  return len == 0 ? 0 : ((len & 0xff) << 24) | (<i32>load<u8>(p + <usize>(len - 1)) << 16);
}

@inline function literalSignature(s: string): i32 {
  const len = s.length;
  return len == 0 ? 0 : ((len & 0xff) << 24) | (<i32>load<u16>(changetype<usize>(s) + (<usize>(len - 1) << 1)) << 16);
}

/** The number is written as an integer (no fraction, no exponent). */
export const F_INT: i32 = 0x200;
export const F_NEG: i32 = 0x400;

export const MAX_DEPTH: i32 = 512;

// Node layout, 5 x i32: kind|flags, start, end, next, parent.
// start/end are absolute addresses of the value's bytes (a string's content without quotes).
// Containers keep their member count in `end`; their first member is the next node. In an object
// each member is a KEY node followed by its value; `next` links keys (objects) or elements (arrays).
const NODE: usize = 20;

export class Tape {
  nodes: usize = 0;
  count: i32 = 0;
  cap: i32 = 0;
  base: usize = 0;
  len: i32 = 0;
  /** byte offset of a syntax error, -1 when the input parsed */
  errPos: i32 = -1;
  errMsg: string = "";
  errPath: string = "";

  @inline kind(n: i32): i32 { return load<i32>(this.nodes + <usize>n * NODE) & 0xff; }
  @inline flags(n: i32): i32 { return load<i32>(this.nodes + <usize>n * NODE); }
  @inline start(n: i32): usize { return <usize>load<u32>(this.nodes + <usize>n * NODE, 4); }
  @inline end(n: i32): usize { return <usize>load<u32>(this.nodes + <usize>n * NODE, 8); }
  @inline next(n: i32): i32 { return load<i32>(this.nodes + <usize>n * NODE, 12); }
  @inline parent(n: i32): i32 { return load<i32>(this.nodes + <usize>n * NODE, 16); }
  /** member count of a container */
  @inline size(n: i32): i32 { return load<i32>(this.nodes + <usize>n * NODE, 8); }
  @inline strLen(n: i32): i32 { return <i32>(this.end(n) - this.start(n)); }
  /** first member (key node of an object, element of an array), -1 when empty */
  @inline first(n: i32): i32 { return this.size(n) > 0 ? n + 1 : -1; }

  /** The value of the last member named `key` (last one wins), or -1. */
  get(obj: i32, key: string): i32 {
    if (obj < 0 || this.kind(obj) != K_OBJECT) return -1;
    let found = -1;
    const sig = literalSignature(key);
    for (let k = this.first(obj); k >= 0; k = this.next(k)) {
      if ((this.flags(k) & 0xffff0000) == sig && this.eq(k, key)) found = k + 1;
    }
    return found;
  }

  /** Byte equality of a string or key node with an ASCII literal. */
  eq(n: i32, lit: string): bool {
    const p = this.start(n);
    const len = lit.length;
    if (<i32>(this.end(n) - p) != len) return false;
    const s = changetype<usize>(lit);
    for (let i = 0; i < len; i++) {
      if (<i32>load<u8>(p + <usize>i) != <i32>load<u16>(s + (<usize>i << 1))) return false;
    }
    return true;
  }

  /** Whether the string starts with an ASCII literal. */
  startsWith(n: i32, lit: string): bool {
    const p = this.start(n);
    const len = lit.length;
    if (<i32>(this.end(n) - p) < len) return false;
    const s = changetype<usize>(lit);
    for (let i = 0; i < len; i++) {
      if (<i32>load<u8>(p + <usize>i) != <i32>load<u16>(s + (<usize>i << 1))) return false;
    }
    return true;
  }

  /** A string node's value as an AS string: for messages and paths, never on the hot path. */
  text(n: i32): string {
    return String.UTF8.decodeUnsafe(this.start(n), this.end(n) - this.start(n));
  }

  /** Index of element `n` in its parent array. */
  indexOf(n: i32): i32 {
    let i = 0;
    for (let e = this.first(this.parent(n)); e >= 0 && e != n; e = this.next(e)) i++;
    return i;
  }
}

// Syntax-error path tracking: the container open at each depth and where in it we are.
const stackNode = memory.data((MAX_DEPTH + 1) * 4);
const stackAt = memory.data((MAX_DEPTH + 1) * 4);

class Parser {
  t: Tape;
  p: usize;
  end: usize;
  depth: i32 = 0;
  constructor(t: Tape) {
    this.t = t;
    this.p = t.base;
    this.end = t.base + <usize>t.len;
  }

  fail(msg: string): i32 {
    const t = this.t;
    if (t.errPos < 0) {
      t.errPos = <i32>(this.p - t.base);
      t.errMsg = msg;
      t.errPath = this.path();
    }
    return -1;
  }

  /** The pointer of the value being read when the error happened. */
  path(): string {
    let s = "";
    for (let d = 0; d < this.depth; d++) {
      const c = load<i32>(stackNode + (<usize>d << 2));
      const at = load<i32>(stackAt + (<usize>d << 2));
      if (this.t.kind(c) == K_OBJECT) {
        if (at < 0) break;
        s += "/" + escapeToken(this.t.text(at));
      } else s += "/" + at.toString();
    }
    return s;
  }

  node(kind: i32, start: usize, end: usize, parent: i32): i32 {
    const t = this.t;
    if (t.count >= t.cap) return this.fail("the document has too many values");
    const n = t.count++;
    const a = t.nodes + <usize>n * NODE;
    store<i32>(a, (kind & 0xff) == K_KEY ? kind | signature(start, <i32>(end - start)) : kind);
    store<u32>(a, <u32>start, 4);
    store<u32>(a, <u32>end, 8);
    store<i32>(a, -1, 12);
    store<i32>(a, parent, 16);
    return n;
  }

  @inline ws(): void {
    let p = this.p;
    const e = this.end;
    while (p < e) {
      const c = load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.p = p;
  }

  @inline peek(): i32 { return this.p < this.end ? <i32>load<u8>(this.p) : -1; }

  value(parent: i32): i32 {
    this.ws();
    const c = this.peek();
    if (c == 0x7b) return this.object(parent);
    if (c == 0x5b) return this.array(parent);
    if (c == 0x22) return this.string(K_STRING, parent);
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(parent);
    if (c == 0x74) return this.literal("true", K_TRUE, parent);
    if (c == 0x66) return this.literal("false", K_FALSE, parent);
    if (c == 0x6e) return this.literal("null", K_NULL, parent);
    if (c < 0) return this.fail("the document ends where a value was expected");
    return this.fail("a value was expected here");
  }

  literal(word: string, kind: i32, parent: i32): i32 {
    const n = word.length;
    if (this.p + <usize>n > this.end) return this.fail("unknown literal; expected true, false or null");
    const s = changetype<usize>(word);
    for (let i = 0; i < n; i++) {
      if (<i32>load<u8>(this.p + <usize>i) != <i32>load<u16>(s + (<usize>i << 1))) {
        return this.fail("unknown literal; expected true, false or null");
      }
    }
    const start = this.p;
    this.p += <usize>n;
    return this.node(kind, start, this.p, parent);
  }

  digits(): i32 {
    let n = 0;
    while (this.p < this.end) {
      const c = load<u8>(this.p);
      if (c < 0x30 || c > 0x39) break;
      this.p++;
      n++;
    }
    return n;
  }

  number(parent: i32): i32 {
    const start = this.p;
    let flags = K_NUMBER | F_INT;
    if (load<u8>(this.p) == 0x2d) { this.p++; flags |= F_NEG; }
    const lead = this.peek();
    const n = this.digits();
    if (n == 0) return this.fail("a digit was expected in this number");
    if (lead == 0x30 && n > 1) return this.fail("numbers must not have leading zeros");
    if (this.peek() == 0x2e) {
      this.p++;
      if (this.digits() == 0) return this.fail("a digit was expected after the decimal point");
      flags &= ~F_INT;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.p++;
      const s = this.peek();
      if (s == 0x2b || s == 0x2d) this.p++;
      if (this.digits() == 0) return this.fail("a digit was expected in the exponent");
      flags &= ~F_INT;
    }
    return this.node(flags, start, this.p, parent);
  }

  string(kind: i32, parent: i32): i32 {
    this.p++;
    const start = this.p;
    const e = this.end;
    let escaped = false;
    while (true) {
      // eight plain bytes at a time: none is '"', '\\', a control or non-ASCII
      while (this.p + 8 <= e) {
        const x = load<u64>(this.p);
        if (((hasZero(x ^ 0x2222222222222222) | hasZero(x ^ 0x5c5c5c5c5c5c5c5c) | hasLess(x) | x) & 0x8080808080808080) != 0) break;
        this.p += 8;
      }
      if (this.p >= e) return this.fail("the document ends inside a string");
      const c = <i32>load<u8>(this.p);
      if (c == 0x22) break;
      if (c == 0x5c) {
        escaped = true;
        if (!this.escape()) return -1;
        continue;
      }
      if (c < 0x20) return this.fail("control characters must be escaped in strings");
      if (c < 0x80) { this.p++; continue; }
      if (!this.utf8(c)) return this.fail("the input is not valid UTF-8");
    }
    const stop = this.p;
    this.p++;
    if (!escaped) return this.node(kind, start, stop, parent);
    const out = heap.alloc(stop - start);
    const len = decodeEscapes(start, stop, out);
    return this.node(kind | F_DECODED, out, out + <usize>len, parent);
  }

  /** Checks one escape sequence at p (a backslash) and moves past it. */
  escape(): bool {
    if (this.p + 1 >= this.end) { this.fail("the document ends inside a string"); return false; }
    const c = <i32>load<u8>(this.p + 1);
    if (c == 0x75) {
      const hi = hex4(this.p + 2, this.end);
      if (hi < 0) { this.fail("\\u must be followed by four hex digits"); return false; }
      this.p += 6;
      if (hi >= 0xdc00 && hi <= 0xdfff) { this.fail("a lone low surrogate is not a character"); return false; }
      if (hi >= 0xd800 && hi <= 0xdbff) {
        const lo = this.p + 1 < this.end && load<u8>(this.p) == 0x5c && load<u8>(this.p + 1) == 0x75
          ? hex4(this.p + 2, this.end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) { this.fail("a high surrogate must be followed by a low surrogate"); return false; }
        this.p += 6;
      }
      return true;
    }
    if (c == 0x22 || c == 0x5c || c == 0x2f || c == 0x62 || c == 0x66 || c == 0x6e || c == 0x72 || c == 0x74) {
      this.p += 2;
      return true;
    }
    this.fail("unknown escape sequence in a string");
    return false;
  }

  /** Validates one multi-byte UTF-8 sequence starting with lead byte c (RFC 3629). */
  utf8(c: i32): bool {
    const p = this.p;
    const left = <i32>(this.end - p);
    let n = 0;
    let lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else return false;
    if (left < n) return false;
    const b1 = <i32>load<u8>(p + 1);
    if (b1 < lo || b1 > hi) return false;
    for (let i = 2; i < n; i++) {
      const b = <i32>load<u8>(p + <usize>i);
      if (b < 0x80 || b > 0xbf) return false;
    }
    this.p = p + <usize>n;
    return true;
  }

  push(c: i32): bool {
    if (this.depth >= MAX_DEPTH) {
      this.fail("nesting is deeper than " + MAX_DEPTH.toString() + " levels");
      return false;
    }
    store<i32>(stackNode + (<usize>this.depth << 2), c);
    store<i32>(stackAt + (<usize>this.depth << 2), this.t.kind(c) == K_OBJECT ? -1 : 0);
    this.depth++;
    return true;
  }

  @inline at(v: i32): void { store<i32>(stackAt + (<usize>(this.depth - 1) << 2), v); }

  object(parent: i32): i32 {
    const o = this.node(K_OBJECT, this.p, this.p, parent);
    if (o < 0 || !this.push(o)) return -1;
    this.p++;
    this.ws();
    let count = 0;
    let prev = -1;
    if (this.peek() == 0x7d) this.p++;
    else {
      while (true) {
        this.ws();
        if (this.peek() != 0x22) return this.fail("a quoted member name was expected");
        const k = this.string(K_KEY, o);
        if (k < 0) return -1;
        this.at(k);
        if (prev >= 0) store<i32>(this.t.nodes + <usize>prev * NODE, k, 12);
        prev = k;
        count++;
        this.ws();
        if (this.peek() != 0x3a) return this.fail("':' was expected after the member name");
        this.p++;
        if (this.value(o) < 0) return -1;
        this.ws();
        const c = this.peek();
        this.p++;
        if (c == 0x2c) { this.at(-1); continue; }
        if (c == 0x7d) break;
        this.p--;
        return this.fail("',' or '}' was expected");
      }
    }
    this.depth--;
    store<i32>(this.t.nodes + <usize>o * NODE, count, 8);
    return o;
  }

  array(parent: i32): i32 {
    const a = this.node(K_ARRAY, this.p, this.p, parent);
    if (a < 0 || !this.push(a)) return -1;
    this.p++;
    this.ws();
    let count = 0;
    let prev = -1;
    if (this.peek() == 0x5d) this.p++;
    else {
      while (true) {
        this.at(count);
        const v = this.value(a);
        if (v < 0) return -1;
        if (prev >= 0) store<i32>(this.t.nodes + <usize>prev * NODE, v, 12);
        prev = v;
        count++;
        this.ws();
        const c = this.peek();
        this.p++;
        if (c == 0x2c) continue;
        if (c == 0x5d) break;
        this.p--;
        return this.fail("',' or ']' was expected");
      }
    }
    this.depth--;
    store<i32>(this.t.nodes + <usize>a * NODE, count, 8);
    return a;
  }
}

// SWAR byte tests (high bit of each byte set where the test holds, modulo false positives
// that only send the scan to the byte loop)
@inline function hasZero(x: u64): u64 { return (x - 0x0101010101010101) & ~x; }
@inline function hasLess(x: u64): u64 { return (x - 0x2020202020202020) & ~x; }

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The value of four hex digits at p, or -1. */
function hex4(p: usize, end: usize): i32 {
  if (p + 4 > end) return -1;
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    const d = hexDigit(<i32>load<u8>(p + i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Decodes already-validated string content [p, end) into out; returns the byte length. */
function decodeEscapes(p: usize, end: usize, out: usize): i32 {
  let o = out;
  while (p < end) {
    let c = <i32>load<u8>(p);
    if (c != 0x5c) { store<u8>(o++, <u8>c); p++; continue; }
    c = <i32>load<u8>(p + 1);
    p += 2;
    if (c == 0x75) {
      let cp = hex4(p, end);
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(p + 2, end) - 0xdc00);
        p += 6;
      }
      o = putUtf8(o, cp);
      continue;
    }
    if (c == 0x62) c = 0x08;
    else if (c == 0x66) c = 0x0c;
    else if (c == 0x6e) c = 0x0a;
    else if (c == 0x72) c = 0x0d;
    else if (c == 0x74) c = 0x09;
    store<u8>(o++, <u8>c);
  }
  return <i32>(o - out);
}

function putUtf8(o: usize, cp: i32): usize {
  if (cp < 0x80) { store<u8>(o, <u8>cp); return o + 1; }
  if (cp < 0x800) {
    store<u8>(o, <u8>(0xc0 | (cp >> 6)));
    store<u8>(o + 1, <u8>(0x80 | (cp & 0x3f)));
    return o + 2;
  }
  if (cp < 0x10000) {
    store<u8>(o, <u8>(0xe0 | (cp >> 12)));
    store<u8>(o + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(o + 2, <u8>(0x80 | (cp & 0x3f)));
    return o + 3;
  }
  store<u8>(o, <u8>(0xf0 | (cp >> 18)));
  store<u8>(o + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(o + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(o + 3, <u8>(0x80 | (cp & 0x3f)));
  return o + 4;
}

/** RFC 6901 reference token: "~" becomes "~0" and "/" becomes "~1". */
export function escapeToken(s: string): string {
  if (s.indexOf("~") < 0 && s.indexOf("/") < 0) return s;
  return s.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Parses [base, base+len) into a new tape. The root value is node 0. On failure errPos >= 0.
 * The node array is sized for the worst case (every value at least two bytes apart), so parsing
 * never reallocates.
 */
export function parse(base: usize, len: i32): Tape {
  const t = new Tape();
  t.base = base;
  t.len = len;
  t.cap = len / 2 + 2;
  t.nodes = heap.alloc(<usize>t.cap * NODE);
  const p = new Parser(t);
  if (p.value(-1) < 0) return t;
  p.ws();
  if (p.p != p.end) p.fail("unexpected data after the end of the document");
  return t;
}

/** The JSON Pointer of node n: parents' keys and indexes, escaped. */
export function pointer(t: Tape, n: i32): string {
  let s = "";
  while (n >= 0) {
    const par = t.parent(n);
    if (par < 0) break;
    const tok = t.kind(par) == K_OBJECT ? escapeToken(t.text(n - 1)) : t.indexOf(n).toString();
    s = "/" + tok + s;
    n = par;
  }
  return s;
}
