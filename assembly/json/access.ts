// Typed access to a parsed document with error reporting: every field read goes through here,
// so wrong types, missing required fields and out-of-range numbers are reported the same way
// everywhere (code, JSON Pointer, message). A JSON null counts as absent, as in Go's decoder.
import { Tape, K_NULL, K_FALSE, K_TRUE, K_NUMBER, K_STRING, K_ARRAY, K_OBJECT, pointer, escapeToken } from "./reader";
import { readU64, readI64, numU, numI, NUM_OK, NUM_TYPE } from "./numbers";
import { Report } from "../report";

export class Doc {
  private silent: Doc | null = null;

  /** `prefix` goes before every pointer ("" for config.json, "/facts" for the facts) */
  constructor(public t: Tape, public r: Report, public prefix: string, public codes: string) {}

  /** The same document with problems discarded, to re-read fields already checked. */
  quiet(): Doc {
    let q = this.silent;
    if (q == null) this.silent = q = new Doc(this.t, new Report(), this.prefix, this.codes);
    return q;
  }

  path(n: i32): string { return this.prefix + pointer(this.t, n); }
  childPath(obj: i32, key: string): string { return this.path(obj) + "/" + escapeToken(key); }

  typeError(n: i32, what: string): void {
    this.r.error(this.codes + ".type", this.path(n), this.name(n) + " is " + kindName(this.t.kind(n)) + " but must be " + what + "; change its value to " + what + ".");
  }

  valueError(n: i32, message: string): void {
    this.r.error(this.codes + ".value", this.path(n), message);
  }

  /** The field's name for messages: its pointer, or "the document" at the root. */
  name(n: i32): string {
    const p = this.path(n);
    return p.length == 0 ? "the document" : p;
  }

  /** Member `key` of `obj` if present and not null, checking its kind; -1 otherwise. */
  field(obj: i32, key: string, kind: i32, what: string, required: bool): i32 {
    const n = this.t.get(obj, key);
    if (n < 0 || this.t.kind(n) == K_NULL) {
      if (required && obj >= 0) {
        this.r.error(this.codes + ".required", this.childPath(obj, key), key + " is required in " + (this.path(obj).length ? this.path(obj) : "the document") + "; add it.");
      }
      return -1;
    }
    const k = this.t.kind(n);
    const ok = kind == K_TRUE ? (k == K_TRUE || k == K_FALSE) : k == kind;
    if (!ok) { this.typeError(n, what); return -1; }
    return n;
  }

  str(obj: i32, key: string, required: bool = false): i32 { return this.field(obj, key, K_STRING, "a string", required); }
  obj(obj: i32, key: string, required: bool = false): i32 { return this.field(obj, key, K_OBJECT, "an object", required); }
  arr(obj: i32, key: string, required: bool = false): i32 { return this.field(obj, key, K_ARRAY, "an array", required); }

  /** A number field, unconverted (callers pick the range). */
  num(obj: i32, key: string): i32 { return this.field(obj, key, K_NUMBER, "an integer", false); }

  bool(obj: i32, key: string, def: bool): bool {
    const n = this.field(obj, key, K_TRUE, "true or false", false);
    return n < 0 ? def : this.t.kind(n) == K_TRUE;
  }

  /** An unsigned integer field in [0, max]; `def` when absent or wrong. */
  unsigned(obj: i32, key: string, max: u64, def: u64, required: bool = false): u64 {
    const n = this.field(obj, key, K_NUMBER, "an integer", required);
    return n < 0 ? def : this.unsignedAt(n, max, def);
  }

  unsignedAt(n: i32, max: u64, def: u64): u64 {
    const s = readU64(this.t, n, max);
    if (s == NUM_OK) return numU;
    if (s == NUM_TYPE) this.typeError(n, "an integer");
    else this.valueError(n, this.name(n) + " must be an integer from 0 to " + max.toString() + "; use a value in that range.");
    return def;
  }

  signed(obj: i32, key: string, min: i64, max: i64, def: i64, required: bool = false): i64 {
    const n = this.field(obj, key, K_NUMBER, "an integer", required);
    return n < 0 ? def : this.signedAt(n, min, max, def);
  }

  signedAt(n: i32, min: i64, max: i64, def: i64): i64 {
    const s = readI64(this.t, n, min, max);
    if (s == NUM_OK) return numI;
    if (s == NUM_TYPE) this.typeError(n, "an integer");
    else this.valueError(n, this.name(n) + " must be an integer from " + min.toString() + " to " + max.toString() + "; use a value in that range.");
    return def;
  }

  /** Checks that every element of an array is a string; false (with errors) otherwise. */
  strings(arr: i32): bool {
    let ok = true;
    for (let e = this.t.first(arr); e >= 0; e = this.t.next(e)) {
      if (this.t.kind(e) != K_STRING) { this.typeError(e, "a string"); ok = false; }
    }
    return ok;
  }

  /** A string array field, checked; -1 when absent or wrong. */
  stringArray(obj: i32, key: string, required: bool = false): i32 {
    const a = this.arr(obj, key, required);
    return a >= 0 && this.strings(a) ? a : -1;
  }

  /** Whether a string holds a NUL byte, which no C string can carry. */
  hasNul(n: i32): bool {
    const e = this.t.end(n);
    let p = this.t.start(n);
    // eight bytes at a time (exact: the zero-byte test only errs above a true zero byte)
    while (p + 8 <= e) {
      const x = load<u64>(p);
      if (((x - 0x0101010101010101) & ~x & 0x8080808080808080) != 0) return true;
      p += 8;
    }
    for (; p < e; p++) if (load<u8>(p) == 0) return true;
    return false;
  }

  /** A string that becomes a C string (path, argument, name): no NUL. */
  cstr(n: i32): bool {
    if (!this.hasNul(n)) return true;
    this.valueError(n, this.name(n) + " contains a NUL character, which cannot be passed to the kernel; remove it.");
    return false;
  }

  /** An absolute path: starts with '/', no NUL. */
  absPath(n: i32): bool {
    if (!this.cstr(n)) return false;
    if (this.t.strLen(n) > 0 && load<u8>(this.t.start(n)) == 0x2f) return true;
    this.valueError(n, this.name(n) + " must be an absolute path; start it with '/'.");
    return false;
  }
}

export function kindName(k: i32): string {
  if (k == K_NULL) return "null";
  if (k == K_FALSE || k == K_TRUE) return "a boolean";
  if (k == K_NUMBER) return "a number";
  if (k == K_STRING) return "a string";
  if (k == K_ARRAY) return "an array";
  if (k == K_OBJECT) return "an object";
  return "a member name";
}
