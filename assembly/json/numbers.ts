// Exact integer conversion of number nodes. JSON numbers are read as integers straight from their
// digits (never through f64), so values past 2^53 stay exact and values past a field's range are
// detected instead of wrapping. A fraction or exponent is not an integer, as for Go's decoder.
import { Tape, K_NUMBER, F_INT, F_NEG } from "./reader";

export const NUM_OK: i32 = 0;
/** not an integer number: the field has the wrong type */
export const NUM_TYPE: i32 = 1;
/** an integer outside the field's range */
export const NUM_RANGE: i32 = 2;

/** Result of the last successful read. */
export let numU: u64 = 0;
export let numI: i64 = 0;

/** Reads the magnitude; NUM_RANGE past 2^64-1. */
function magnitude(t: Tape, n: i32): i32 {
  if (t.kind(n) != K_NUMBER || (t.flags(n) & F_INT) == 0) return NUM_TYPE;
  let p = t.start(n);
  const e = t.end(n);
  if ((t.flags(n) & F_NEG) != 0) p++;
  let v: u64 = 0;
  while (p < e) {
    const d = <u64>(load<u8>(p++) - 0x30);
    if (v > (U64.MAX_VALUE - d) / 10) return NUM_RANGE;
    v = v * 10 + d;
  }
  numU = v;
  return NUM_OK;
}

/** An unsigned integer in [0, max]. "-0" is 0. */
export function readU64(t: Tape, n: i32, max: u64): i32 {
  const s = magnitude(t, n);
  if (s != NUM_OK) return s;
  if ((t.flags(n) & F_NEG) != 0 && numU != 0) return NUM_RANGE;
  return numU > max ? NUM_RANGE : NUM_OK;
}

/** A signed integer in [min, max]. */
export function readI64(t: Tape, n: i32, min: i64, max: i64): i32 {
  const s = magnitude(t, n);
  if (s != NUM_OK) return s;
  const neg = (t.flags(n) & F_NEG) != 0;
  if (neg) {
    if (numU > <u64>I64.MAX_VALUE + 1) return NUM_RANGE;
    numI = numU == <u64>I64.MAX_VALUE + 1 ? I64.MIN_VALUE : -(<i64>numU);
  } else {
    if (numU > <u64>I64.MAX_VALUE) return NUM_RANGE;
    numI = <i64>numU;
  }
  return numI < min || numI > max ? NUM_RANGE : NUM_OK;
}
