// The result writer: appends UTF-8 JSON to a growable byte buffer in scratch memory. Structure
// helpers put commas where they belong, so callers only name keys and values; key order is the
// order of the calls, which makes equal inputs give equal bytes.

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

  grow(n: i32): void {
    let cap = this.cap << 1;
    while (cap < this.len + n) cap <<= 1;
    const buf = heap.alloc(<usize>cap);
    memory.copy(buf, this.buf, <usize>this.len);
    this.buf = buf;
    this.cap = cap;
  }

  @inline byte(c: i32): void {
    const p = this.reserve(1);
    store<u8>(p, <u8>c);
    this.len++;
  }

  /** An ASCII literal as is (fixed words, reasons). */
  ascii(s: string): void {
    const n = s.length;
    packAscii(this.reserve(n), s, n);
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
    const b = String.UTF8.encode(s);
    this.strBytes(changetype<usize>(b), b.byteLength, false);
  }

  u64(v: u64): void {
    const p = this.reserve(20);
    let n = 1;
    for (let x = v / 10; x != 0; x /= 10) n++;
    for (let i = n - 1; i >= 0; i--) {
      store<u8>(p + <usize>i, <u8>(0x30 + <i32>(v % 10)));
      v /= 10;
    }
    this.len += n;
  }

  i64(v: i64): void {
    if (v < 0) { this.byte(0x2d); this.u64(<u64>0 - <u64>v); }
    else this.u64(<u64>v);
  }

  /** A u64 as a decimal string, for values JSON.parse could round. */
  u64str(v: u64): void { this.byte(0x22); this.u64(v); this.byte(0x22); }

  bool(b: bool): void { this.ascii(b ? "true" : "false"); }

  nul(): void { this.ascii("null"); }

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

  /** `"name":` with the comma before it when needed: the hottest call, so one reserve for all of it. */
  key(name: string): void {
    const n = name.length;
    const p = this.reserve(n + 4);
    const f = this.comma + <usize>this.level;
    let o: usize = 0;
    if (load<u8>(f) != 0) { store<u8>(p, 0x2c); o = 1; }
    else store<u8>(f, 1);
    store<u8>(p + o, 0x22);
    packAscii(p + o + 1, name, n);
    store<u16>(p + o + 1 + <usize>n, 0x3a22);
    this.len += <i32>o + n + 3;
  }

  /** Starts an array element. */
  item(): void { this.sep(); }
}

const HEX = "0123456789abcdef";

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
