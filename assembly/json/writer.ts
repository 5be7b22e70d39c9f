// The result writer: appends UTF-8 JSON to a growable byte buffer in scratch memory. Structure
// helpers put commas where they belong, so callers only name keys and values; key order is the
// order of the calls, which makes equal inputs give equal bytes.

import { reserveMemory } from "../arena";

const MAX_NEST: i32 = 64;

export class Writer {
  buf: usize;
  len: i32 = 0;
  cap: i32;
  /** per nesting level: 1 when the next member/element needs a comma before it */
  comma: usize;
  level: i32 = 0;

  constructor(cap: i32) {
    this.cap = cap;
    this.buf = heap.alloc(<usize>cap);
    this.comma = heap.alloc(<usize>MAX_NEST);
    store<u8>(this.comma, 0);
  }

  @inline reserve(n: i32): usize {
    if (this.len + n > this.cap) this.grow(n);
    return this.buf + <usize>this.len;
  }

  /**
   * Grows the buffer by half: the stub's realloc extends the last block in place (no copy, no
   * garbage), which is the usual case while a large plan is written.
   */
  grow(n: i32): void {
    let cap = this.cap + (this.cap >> 1);
    while (cap < this.len + n) cap += cap >> 1;
    if (cap > 65536) reserveMemory(<usize>cap);
    this.buf = heap.realloc(this.buf, <usize>cap);
    this.cap = cap;
  }

  @inline byte(c: i32): void {
    const p = this.reserve(1);
    store<u8>(p, <u8>c);
    this.len++;
  }

  /** An ASCII literal as is (fixed words, reasons); literals come from a cache of their bytes. */
  @inline ascii(s: string): void {
    const n = s.length;
    const p = this.reserve(n + 8);
    const sp = changetype<usize>(s);
    const at = slotOf(sp, LC_SLOTS) << 2;
    const src = sp < __heap_base && load<u32>(lcPtr + at) == <u32>sp ? lcBytes + <usize>load<u32>(lcOff + at) : cachedLiteral(sp, n);
    if (src != 0) {
      for (let i: usize = 0; i < <usize>n; i += 8) store<u64>(p + i, load<u64>(src + i));
    } else packAscii(p, s, n);
    this.len += n;
  }

  bytes(src: usize, n: i32): void {
    const p = this.reserve(n);
    memory.copy(p, src, <usize>n);
    this.len += n;
  }

  /** Everything another writer wrote. */
  append(w: Writer): void { this.bytes(w.buf, w.len); }

  /** A quoted string from UTF-8 bytes. `clean` promises there is nothing to escape. */
  strBytes(src: usize, n: i32, clean: bool): void {
    this.byte(0x22);
    this.body(src, n, clean);
    this.byte(0x22);
  }

  /** String content without the quotes, escaped unless `clean`. */
  body(src: usize, n: i32, clean: bool): void {
    if (clean) this.bytes(src, n);
    else {
      let run = src;
      const end = src + <usize>n;
      for (let p = src; p < end; p++) {
        const c = <i32>load<u8>(p);
        if (c >= 0x20 && c != 0x22 && c != 0x5c && c != 0x7f) continue;
        this.bytes(run, <i32>(p - run));
        run = p + 1;
        this.escape(c);
      }
      this.bytes(run, <i32>(end - run));
    }
  }

  escape(c: i32): void {
    this.byte(0x5c);
    if (c == 0x22 || c == 0x5c) { this.byte(c); return; }
    if (c == 0x0a) { this.byte(0x6e); return; }
    if (c == 0x09) { this.byte(0x74); return; }
    if (c == 0x0d) { this.byte(0x72); return; }
    this.ascii("u00");
    this.byte(HEX.charCodeAt(c >> 4));
    this.byte(HEX.charCodeAt(c & 15));
  }

  /** A quoted string from an AS string (messages, paths, built values). */
  str(s: string): void {
    const n = s.length;
    const src = changetype<usize>(s);
    // plain ASCII with nothing to escape (most values): pack the units, no UTF-8 encoding
    let plain = true;
    let i = 0;
    // four UTF-16 units at a time: any unit >= 0x80, or '"', '\\', DEL or a control among them
    while (i + 4 <= n) {
      const x = load<u64>(src + (<usize>i << 1));
      if ((x & 0xff80ff80ff80ff80) != 0) { plain = false; break; }
      const h = zero16(x ^ 0x0022002200220022) | zero16(x ^ 0x005c005c005c005c) | zero16(x ^ 0x007f007f007f007f)
        | ((x - 0x0020002000200020) & ~x & 0x8000800080008000);
      if (h != 0) { plain = false; break; }
      i += 4;
    }
    for (; i < n && plain; i++) {
      const c = <i32>load<u16>(src + (<usize>i << 1));
      if (c < 0x20 || c >= 0x7f || c == 0x22 || c == 0x5c) plain = false;
    }
    if (plain) {
      const p = this.reserve(n + 2);
      store<u8>(p, 0x22);
      packAscii(p + 1, s, n);
      store<u8>(p + 1 + <usize>n, 0x22);
      this.len += n + 2;
      return;
    }
    const b = String.UTF8.encode(s);
    this.strBytes(changetype<usize>(b), b.byteLength, false);
  }

  u64(v: u64): void {
    if (v < 10) { store<u8>(this.reserve(1), <u8>(0x30 + <i32>v)); this.len++; return; }
    const p = this.reserve(20);
    // digits backwards into a scratch word pair, in u32 arithmetic once the value fits
    let q = digits + 20;
    while (v > <u64>U32.MAX_VALUE) {
      const d = v / 10;
      store<u8>(--q, <u8>(0x30 + <i32>(v - d * 10)));
      v = d;
    }
    let x = <u32>v;
    do {
      const d = x / 10;
      store<u8>(--q, <u8>(0x30 + (x - d * 10)));
      x = d;
    } while (x != 0);
    const n = <i32>(digits + 20 - q);
    memory.copy(p, q, <usize>n);
    this.len += n;
  }

  i64(v: i64): void {
    if (v < 0) { this.byte(0x2d); this.u64(<u64>0 - <u64>v); }
    else this.u64(<u64>v);
  }

  /** A u64 as a decimal string, for values JSON.parse could round. */
  u64str(v: u64): void { this.byte(0x22); this.u64(v); this.byte(0x22); }

  bool(b: bool): void {
    const p = this.reserve(5);
    if (b) { store<u32>(p, 0x65757274); this.len += 4; }
    else { store<u32>(p, 0x736c6166); store<u8>(p, 0x65, 4); this.len += 5; }
  }

  nul(): void { store<u32>(this.reserve(4), 0x6c6c756e); this.len += 4; }

  /** Separator before a member or element at the current level. */
  @inline sep(): void {
    const f = this.comma + <usize>this.level;
    if (load<u8>(f) != 0) this.byte(0x2c);
    else store<u8>(f, 1);
  }

  open(c: i32): void {
    this.byte(c);
    if (this.level < MAX_NEST - 1) this.level++;
    store<u8>(this.comma + <usize>this.level, 0);
  }

  close(c: i32): void {
    this.byte(c);
    if (this.level > 0) this.level--;
  }

  obj(): void { this.open(0x7b); }
  endObj(): void { this.close(0x7d); }
  arr(): void { this.open(0x5b); }
  endArr(): void { this.close(0x5d); }

  /**
   * `"name":` with the comma before it when needed: the hottest call. Names are string literals,
   * so their UTF-8 form (quotes and colon included) is built once per literal and kept in a
   * static cache; each call then copies it eight bytes at a time.
   */
  key(name: string): void {
    const s = changetype<usize>(name);
    const n = name.length;
    const p = this.reserve(n + 12);
    const f = this.comma + <usize>this.level;
    let o = p;
    if (load<u8>(f) != 0) { store<u8>(o, 0x2c); o++; }
    else store<u8>(f, 1);
    // the cache hit inline, the fill (or refusal) in cachedKey
    const at = slotOf(s, KC_SLOTS) << 2;
    const src = s < __heap_base && load<u32>(kcPtr + at) == <u32>s ? kcBytes + <usize>load<u32>(kcOff + at) : cachedKey(s, n);
    if (src != 0) {
      // the reserve has room for the last chunk's overrun; the cache has slack after its bytes
      for (let i: usize = 0; i < <usize>(n + 3); i += 8) store<u64>(o + i, load<u64>(src + i));
    } else {
      store<u8>(o, 0x22);
      packAscii(o + 1, name, n);
      store<u16>(o + 1 + <usize>n, 0x3a22);
    }
    this.len += <i32>(o - p) + n + 3;
  }

  /** Starts an array element. */
  item(): void { this.sep(); }
}

const HEX = "0123456789abcdef";

/** High bit of each 16-bit lane that is zero (lanes below 0x80: no borrow crosses a lane wrongly below a true zero). */
// @ts-ignore: decorator
@inline function zero16(x: u64): u64 { return (x - 0x0001000100010001) & ~x & 0x8000800080008000; }

/** scratch for u64's digits */
const digits = memory.data(24);

// Caches of string literals as UTF-8 bytes, by the literal's address: keys as `"name":`, words
// and reasons as they are. Only static strings (below __heap_base) are cached, since a heap
// string's address is reused by later calls; the first literal to land in a slot keeps it.
const KC_SLOTS: usize = 512;
const KC_BYTES: usize = 16384;
const kcPtr = memory.data(<i32>KC_SLOTS * 4);
const kcOff = memory.data(<i32>KC_SLOTS * 4);
/** 8 bytes of slack after the last entry, for the chunked copy */
const kcBytes = memory.data(<i32>KC_BYTES + 8);
let kcUsed: usize = 0;
const LC_SLOTS: usize = 512;
const LC_BYTES: usize = 32768;
const lcPtr = memory.data(<i32>LC_SLOTS * 4);
const lcOff = memory.data(<i32>LC_SLOTS * 4);
const lcBytes = memory.data(<i32>LC_BYTES + 8);
let lcUsed: usize = 0;

// @ts-ignore: decorator
@inline function slotOf(s: usize, slots: usize): usize { return ((s >> 3) ^ (s >> 12)) & (slots - 1); }

/** The cached bytes of key literal s (n units), filling the cache on a miss; 0 when not cacheable. */
function cachedKey(s: usize, n: i32): usize {
  if (s >= __heap_base) return 0;
  const at = slotOf(s, KC_SLOTS) << 2;
  const held = load<u32>(kcPtr + at);
  if (held == <u32>s) return kcBytes + <usize>load<u32>(kcOff + at);
  const size = <usize>n + 3;
  if (held != 0 || kcUsed + size > KC_BYTES) return 0;
  const dst = kcBytes + kcUsed;
  store<u8>(dst, 0x22);
  packAscii(dst + 1, changetype<string>(s), n);
  store<u16>(dst + 1 + <usize>n, 0x3a22);
  store<u32>(kcPtr + at, <u32>s);
  store<u32>(kcOff + at, <u32>kcUsed);
  kcUsed += size;
  return dst;
}

/**
 * The cached bytes of an ASCII literal, as cachedKey but without quotes and colon (also for
 * comparing nodes with literals). A non-ASCII literal's units are not its UTF-8: such literals
 * are not cached.
 */
export function cachedLiteral(s: usize, n: i32): usize {
  if (s >= __heap_base) return 0;
  const at = slotOf(s, LC_SLOTS) << 2;
  const held = load<u32>(lcPtr + at);
  if (held == <u32>s) return lcBytes + <usize>load<u32>(lcOff + at);
  if (held != 0 || lcUsed + <usize>n > LC_BYTES) return 0;
  for (let i = 0; i < n; i++) if (load<u16>(s + (<usize>i << 1)) >= 0x80) return 0;
  const dst = lcBytes + lcUsed;
  packAscii(dst, changetype<string>(s), n);
  store<u32>(lcPtr + at, <u32>s);
  store<u32>(lcOff + at, <u32>lcUsed);
  lcUsed += <usize>n;
  return dst;
}

/** Copies an ASCII string's UTF-16 units to bytes, four at a time. */
// @ts-ignore: decorator
@inline function packAscii(p: usize, s: string, n: i32): void {
  let src = changetype<usize>(s);
  const stop = src + (<usize>(n & ~3) << 1);
  while (src < stop) {
    const x = load<u64>(src);
    store<u32>(p, <u32>((x & 0xff) | ((x >> 8) & 0xff00) | ((x >> 16) & 0xff0000) | ((x >> 24) & 0xff000000)));
    src += 8;
    p += 4;
  }
  for (let i = 0; i < (n & 3); i++) store<u8>(p + <usize>i, <u8>load<u16>(src + (<usize>i << 1)));
}
