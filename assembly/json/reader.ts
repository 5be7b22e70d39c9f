// A byte-level JSON reader over UTF-8 input. It never decodes the input into a UTF-16 string:
// it builds a flat "tape" of nodes that point at the bytes, so keys and values are compared as
// bytes and copied to the output without conversion. It validates strictly (RFC 8259, UTF-8
// included), limits nesting depth so deep input is an error instead of a stack overflow, and on
// failure records the byte offset and the JSON Pointer of the value it was reading.
//
// Duplicate keys: all members are kept on the tape and every lookup takes the last one, as Go's
// encoding/json (and so runc) does. Deterministic, and documented in host/types.ts.

import { reserveMemory } from "../arena";

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
/** An object with a repeated member name: lookups scan to the last (else they stop at the first). */
export const F_DUPS: i32 = 0x800;
/** Bits 16-31 of a key node's first word: a signature of its bytes, so lookups skip most keys cheaply. */
@inline function signature(p: usize, len: i32): i32 {
  return len == 0 ? 0 : ((len & 0xff) << 24) | (<i32>load<u8>(p + <usize>(len - 1)) << 16);
}


/** The number is written as an integer (no fraction, no exponent). */
export const F_INT: i32 = 0x200;
export const F_NEG: i32 = 0x400;

export const MAX_DEPTH: i32 = 512;

// Node layout, 5 x i32: kind|flags, start, end, next, parent.
// start/end are absolute addresses of the value's bytes (a string's content without quotes).
// Containers keep their member count in `end`; their first member is the next node. An object's
// `start` holds the bloom of its member names (keyBit) instead of an address. In an object
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

  /**
   * The value of the last member named `key` (last one wins), or -1. The object's key bloom
   * answers most absent keys at once; without repeated names the first match is the last one.
   */
  get(obj: i32, key: string): i32 {
    if (obj < 0) return -1;
    const a = this.nodes + <usize>obj * NODE;
    const f = load<i32>(a);
    if ((f & 0xff) != K_OBJECT) return -1;
    const len = key.length;
    const ks = changetype<usize>(key);
    const last = len > 0 ? <i32>load<u16>(ks + (<usize>(len - 1) << 1)) : 0;
    const bit = len > 0 ? keyBit(len, <i32>load<u16>(ks), last) : keyBit(0, 0, 0);
    if ((load<u32>(a, 4) & bit) == 0) return -1;
    const sig = len == 0 ? 0 : ((len & 0xff) << 24) | (last << 16);
    let found = -1;
    const once = (f & F_DUPS) == 0;
    for (let k = obj + 1; k >= 0; k = this.next(k)) {
      if ((this.flags(k) & 0xffff0000) == sig && this.eq(k, key)) {
        found = k + 1;
        if (once) break;
      }
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

// Parser state. Module globals (wasm globals) between calls; the hot loops copy what they need
// into locals and write the position back before calling another parse function.
let gTape: Tape = changetype<Tape>(0);
let gNodes: usize = 0;
let gCount: i32 = 0;
let gCap: i32 = 0;
let gBase: usize = 0;
let gEnd: usize = 0;
/** current position: where the next parse function starts, where the last one stopped */
let gPos: usize = 0;
let gDepth: i32 = 0;

/** Bit of a key in its object's bloom (the object node's start word): length, first and last byte. */
// @ts-ignore: decorator
@inline function keyBit(len: i32, first: i32, last: i32): u32 {
  return <u32>1 << <u32>((len + first * 3 + last * 5) & 31);
}

function fail(p: usize, msg: string): i32 {
  const t = gTape;
  if (t.errPos < 0) {
    t.errPos = <i32>(p - gBase);
    t.errMsg = msg;
    t.errPath = errorPath();
  }
  return -1;
}

/** The pointer of the value being read when the error happened. */
function errorPath(): string {
  const t = gTape;
  let s = "";
  for (let d = 0; d < gDepth; d++) {
    const c = load<i32>(stackNode + (<usize>d << 2));
    const at = load<i32>(stackAt + (<usize>d << 2));
    if (t.kind(c) == K_OBJECT) {
      if (at < 0) break;
      s += "/" + escapeToken(t.text(at));
    } else s += "/" + at.toString();
  }
  return s;
}

// @ts-ignore: decorator
@inline function newNode(kind: i32, start: usize, end: usize, parent: i32, p: usize): i32 {
  if (gCount >= gCap) return fail(p, "the document has too many values");
  const n = gCount++;
  const a = gNodes + <usize>n * NODE;
  store<i32>(a, kind);
  store<u32>(a, <u32>start, 4);
  store<u32>(a, <u32>end, 8);
  store<i32>(a, -1, 12);
  store<i32>(a, parent, 16);
  return n;
}

// @ts-ignore: decorator
@inline function skipWs(p: usize, e: usize): usize {
  while (p < e) {
    const c = <u64>load<u8>(p);
    // space, \t, \n, \r as bits of one mask
    if (c > 0x20 || ((<u64>0x100002600 >> c) & 1) == 0) break;
    p++;
  }
  return p;
}

function parseValue(parent: i32): i32 {
  const e = gEnd;
  const p = skipWs(gPos, e);
  gPos = p;
  if (p >= e) return fail(p, "the document ends where a value was expected");
  const c = <i32>load<u8>(p);
  if (c == 0x22) return parseString(K_STRING, parent);
  if (c == 0x7b) return parseObject(parent);
  if (c == 0x5b) return parseArray(parent);
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber(parent);
  if (c == 0x74) return parseLiteral(0x65757274, 4, K_TRUE, parent);
  if (c == 0x66) return parseLiteral(0x736c6166, 5, K_FALSE, parent);
  if (c == 0x6e) return parseLiteral(0x6c6c756e, 4, K_NULL, parent);
  return fail(p, "a value was expected here");
}

/** true, false, null: the first four bytes as a little-endian word (false: then 'e'). */
function parseLiteral(word: u32, n: i32, kind: i32, parent: i32): i32 {
  const p = gPos;
  if (p + <usize>n > gEnd) return fail(p, "unknown literal; expected true, false or null");
  if (load<u32>(p) != word || (n == 5 && load<u8>(p, 4) != 0x65)) return fail(p, "unknown literal; expected true, false or null");
  gPos = p + <usize>n;
  return newNode(kind, p, p + <usize>n, parent, gPos);
}

// @ts-ignore: decorator
@inline function digitsEnd(p: usize, e: usize): usize {
  while (p < e) {
    const c = load<u8>(p);
    if (c < 0x30 || c > 0x39) break;
    p++;
  }
  return p;
}

function parseNumber(parent: i32): i32 {
  let p = gPos;
  const e = gEnd;
  const start = p;
  let flags = K_NUMBER | F_INT;
  if (load<u8>(p) == 0x2d) { p++; flags |= F_NEG; }
  const lead = p < e ? <i32>load<u8>(p) : -1;
  let q = digitsEnd(p, e);
  const n = q - p;
  p = q;
  if (n == 0) return fail(p, "a digit was expected in this number");
  if (lead == 0x30 && n > 1) return fail(p, "numbers must not have leading zeros");
  if (p < e && load<u8>(p) == 0x2e) {
    p++;
    q = digitsEnd(p, e);
    if (q == p) return fail(p, "a digit was expected after the decimal point");
    p = q;
    flags &= ~F_INT;
  }
  if (p < e && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < e && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    q = digitsEnd(p, e);
    if (q == p) return fail(p, "a digit was expected in the exponent");
    p = q;
    flags &= ~F_INT;
  }
  gPos = p;
  return newNode(flags, start, p, parent, p);
}

/**
 * The first '"', '\\', control or non-ASCII byte at or after p, or e. Eight bytes at a time: the
 * lowest byte the SWAR tests flag is exactly the first such byte (borrows only make false
 * positives above a true one).
 */
// @ts-ignore: decorator
@inline function scanPlain(p: usize, e: usize): usize {
  while (p + 8 <= e) {
    const x = load<u64>(p);
    const m = (hasZero(x ^ 0x2222222222222222) | hasZero(x ^ 0x5c5c5c5c5c5c5c5c) | hasLess(x) | x) & 0x8080808080808080;
    if (m != 0) return p + <usize>(ctz(m) >> 3);
    p += 8;
  }
  while (p < e) {
    const c = load<u8>(p);
    if (c == 0x22 || c == 0x5c || c < 0x20 || c >= 0x80) break;
    p++;
  }
  return p;
}

/**
 * A string or member name at gPos (its opening quote). Eight bytes at a time: the lowest byte the
 * SWAR tests flag is exactly the first '"', '\\', control or non-ASCII byte (borrows only make
 * false positives above a true one), so the scan jumps straight to it.
 */
function parseString(kind: i32, parent: i32): i32 {
  const start = gPos + 1;
  const e = gEnd;
  const p = scanPlain(start, e);
  if (p >= e) return fail(p, "the document ends inside a string");
  if (load<u8>(p) != 0x22) return parseStringSlow(kind, parent, start, p);
  gPos = p + 1;
  return newNode(kind == K_KEY ? kind | signature(start, <i32>(p - start)) : kind, start, p, parent, p + 1);
}

/** The rest of a string from p, which holds an escape, a control or a non-ASCII byte. */
function parseStringSlow(kind: i32, parent: i32, start: usize, p: usize): i32 {
  const e = gEnd;
  let escaped = false;
  while (true) {
    if (p >= e) return fail(p, "the document ends inside a string");
    const c = <i32>load<u8>(p);
    if (c == 0x22) break;
    if (c == 0x5c) {
      escaped = true;
      const q = escapeEnd(p, e);
      if (q == 0) return -1;
      p = q;
      continue;
    }
    if (c < 0x20) return fail(p, "control characters must be escaped in strings");
    if (c < 0x80) { p++; continue; }
    const q = utf8End(p, e, c);
    if (q == 0) return fail(p, "the input is not valid UTF-8");
    p = q;
  }
  const stop = p;
  gPos = p + 1;
  if (!escaped) {
    return newNode(kind == K_KEY ? kind | signature(start, <i32>(stop - start)) : kind, start, stop, parent, gPos);
  }
  const out = heap.alloc(stop - start);
  const len = decodeEscapes(start, stop, out);
  const end = out + <usize>len;
  return newNode((kind == K_KEY ? kind | signature(out, len) : kind) | F_DECODED, out, end, parent, gPos);
}

/** Checks one escape sequence at p (a backslash); the position after it, or 0 (after fail). */
function escapeEnd(p: usize, e: usize): usize {
  if (p + 1 >= e) { fail(p, "the document ends inside a string"); return 0; }
  const c = <i32>load<u8>(p + 1);
  if (c == 0x75) {
    const hi = hex4(p + 2, e);
    if (hi < 0) { fail(p, "\\u must be followed by four hex digits"); return 0; }
    p += 6;
    if (hi >= 0xdc00 && hi <= 0xdfff) { fail(p, "a lone low surrogate is not a character"); return 0; }
    if (hi >= 0xd800 && hi <= 0xdbff) {
      const lo = p + 1 < e && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75 ? hex4(p + 2, e) : -1;
      if (lo < 0xdc00 || lo > 0xdfff) { fail(p, "a high surrogate must be followed by a low surrogate"); return 0; }
      p += 6;
    }
    return p;
  }
  if (c == 0x22 || c == 0x5c || c == 0x2f || c == 0x62 || c == 0x66 || c == 0x6e || c == 0x72 || c == 0x74) return p + 2;
  fail(p, "unknown escape sequence in a string");
  return 0;
}

/** Validates one multi-byte UTF-8 sequence at p with lead byte c (RFC 3629); its end, or 0. */
function utf8End(p: usize, e: usize, c: i32): usize {
  const left = <i32>(e - p);
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
  } else return 0;
  if (left < n) return 0;
  const b1 = <i32>load<u8>(p + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (let i = 2; i < n; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return p + <usize>n;
}

function push(c: i32, kindAt: i32, p: usize): bool {
  if (gDepth >= MAX_DEPTH) {
    fail(p, "nesting is deeper than " + MAX_DEPTH.toString() + " levels");
    return false;
  }
  store<i32>(stackNode + (<usize>gDepth << 2), c);
  store<i32>(stackAt + (<usize>gDepth << 2), kindAt);
  gDepth++;
  return true;
}

// @ts-ignore: decorator
@inline function setAt(v: i32): void { store<i32>(stackAt + (<usize>(gDepth - 1) << 2), v); }

/** Whether key node k repeats one of the keys before it in object o. */
function repeatsKey(o: i32, k: i32): bool {
  const nodes = gNodes;
  const ka = nodes + <usize>k * NODE;
  const ks = <usize>load<u32>(ka, 4);
  const kl = <usize>load<u32>(ka, 8) - ks;
  for (let j = o + 1; j >= 0 && j != k; j = load<i32>(nodes + <usize>j * NODE, 12)) {
    const ja = nodes + <usize>j * NODE;
    const js = <usize>load<u32>(ja, 4);
    if (<usize>load<u32>(ja, 8) - js == kl && memory.compare(js, ks, kl) == 0) return true;
  }
  return false;
}

function parseObject(parent: i32): i32 {
  let p = gPos;
  const e = gEnd;
  const o = newNode(K_OBJECT, 0, 0, parent, p);
  if (o < 0 || !push(o, -1, p)) return -1;
  p = skipWs(p + 1, e);
  let count = 0;
  let prev = -1;
  let bloom: u32 = 0;
  let dups = false;
  if (p < e && load<u8>(p) == 0x7d) p++;
  else {
    while (true) {
      p = skipWs(p, e);
      if (p >= e || load<u8>(p) != 0x22) return fail(p, "a quoted member name was expected");
      // the member name: plain ASCII inline, anything else through parseString
      let k: i32;
      let ks: usize;
      let kl: i32;
      const q = scanPlain(p + 1, e);
      if (q < e && load<u8>(q) == 0x22) {
        ks = p + 1;
        kl = <i32>(q - ks);
        p = q + 1;
        k = newNode(K_KEY | signature(ks, kl), ks, q, o, p);
        if (k < 0) return -1;
      } else {
        gPos = p;
        k = parseString(K_KEY, o);
        if (k < 0) return -1;
        p = gPos;
        const ka = gNodes + <usize>k * NODE;
        ks = <usize>load<u32>(ka, 4);
        kl = <i32>(<usize>load<u32>(ka, 8) - ks);
      }
      setAt(k);
      if (prev >= 0) store<i32>(gNodes + <usize>prev * NODE, k, 12);
      prev = k;
      // the object's key bloom, and whether a key repeats (then lookups must scan to the last)
      const bit = kl == 0 ? keyBit(0, 0, 0) : keyBit(kl, <i32>load<u8>(ks), <i32>load<u8>(ks + <usize>(kl - 1)));
      if ((bloom & bit) != 0 && !dups) dups = count >= 32 || repeatsKey(o, k);
      bloom |= bit;
      count++;
      p = skipWs(p, e);
      if (p >= e || load<u8>(p) != 0x3a) return fail(p, "':' was expected after the member name");
      p = skipWs(p + 1, e);
      // a plain string value inline, anything else through parseValue
      const vq = p < e && load<u8>(p) == 0x22 ? scanPlain(p + 1, e) : e;
      if (vq < e && load<u8>(vq) == 0x22) {
        if (newNode(K_STRING, p + 1, vq, o, vq + 1) < 0) return -1;
        p = skipWs(vq + 1, e);
      } else {
        gPos = p;
        if (parseValue(o) < 0) return -1;
        p = skipWs(gPos, e);
      }
      if (p < e) {
        const c = load<u8>(p);
        if (c == 0x2c) { p++; setAt(-1); continue; }
        if (c == 0x7d) { p++; break; }
      }
      return fail(p, "',' or '}' was expected");
    }
  }
  gDepth--;
  const a = gNodes + <usize>o * NODE;
  if (dups) store<i32>(a, K_OBJECT | F_DUPS);
  store<u32>(a, bloom, 4);
  store<i32>(a, count, 8);
  gPos = p;
  return o;
}

function parseArray(parent: i32): i32 {
  let p = gPos;
  const e = gEnd;
  const a = newNode(K_ARRAY, p, p, parent, p);
  if (a < 0 || !push(a, 0, p)) return -1;
  p = skipWs(p + 1, e);
  let count = 0;
  let prev = -1;
  if (p < e && load<u8>(p) == 0x5d) p++;
  else {
    while (true) {
      setAt(count);
      gPos = p;
      const v = parseValue(a);
      if (v < 0) return -1;
      if (prev >= 0) store<i32>(gNodes + <usize>prev * NODE, v, 12);
      prev = v;
      count++;
      p = skipWs(gPos, e);
      if (p < e) {
        const c = load<u8>(p);
        if (c == 0x2c) { p++; continue; }
        if (c == 0x5d) { p++; break; }
      }
      return fail(p, "',' or ']' was expected");
    }
  }
  gDepth--;
  store<i32>(gNodes + <usize>a * NODE, count, 8);
  gPos = p;
  return a;
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
  t.cap = nodeBound(base, len);
  if (len > SMALL) reserveMemory(<usize>t.cap * NODE);
  t.nodes = heap.alloc(<usize>t.cap * NODE);
  gTape = t;
  gNodes = t.nodes;
  gCount = 0;
  gCap = t.cap;
  gBase = base;
  gEnd = base + <usize>len;
  gPos = base;
  gDepth = 0;
  if (parseValue(-1) >= 0) {
    const p = skipWs(gPos, gEnd);
    if (p != gEnd) fail(p, "unexpected data after the end of the document");
  }
  t.count = gCount;
  gTape = changetype<Tape>(0);
  return t;
}

/** Inputs up to this size get the simple node bound (at most one node per two bytes). */
const SMALL: i32 = 64 << 10;

/**
 * An upper bound on the nodes of a document, so the table never grows: every key is followed by
 * ':' and so is every member value; every array element but the first follows a ',', the first
 * follows a '['; plus the root. Large inputs are counted (about one node per 10-20 bytes of
 * config.json instead of the one-per-two-bytes worst case); small ones take the worst case.
 */
function nodeBound(base: usize, len: i32): i32 {
  const simple = len / 2 + 2;
  if (len <= SMALL) return simple;
  let n: i64 = 1;
  const e = base + <usize>len;
  let p = base;
  while (p + 8 <= e) {
    const x = load<u64>(p);
    const colon = hasZero(x ^ 0x3a3a3a3a3a3a3a3a) & 0x8080808080808080;
    const comma = hasZero(x ^ 0x2c2c2c2c2c2c2c2c) & 0x8080808080808080;
    const open = hasZero(x ^ 0x5b5b5b5b5b5b5b5b) & 0x8080808080808080;
    n += (popcnt(colon) << 1) + popcnt(comma) + popcnt(open);
    p += 8;
  }
  while (p < e) {
    const c = load<u8>(p++);
    if (c == 0x3a) n += 2;
    else if (c == 0x2c || c == 0x5b) n++;
  }
  return n < <i64>simple ? <i32>n + 2 : simple;
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
