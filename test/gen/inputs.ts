// Seeded input generators for the core: mutated and random (facts, config) byte pairs for the
// robustness test and the wasm2c comparison, and the large spec for the benchmark. Everything is
// a pure function of the seed, so a failure is reproduced by re-running with the printed seed.
import type { Vector } from '../vectors/load.js';

export interface Input { facts: Uint8Array; config: Uint8Array; how: string }

/** mulberry32: tiny, fast, and good enough to spread mutations; not for cryptography. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];
const utf8 = new TextEncoder();

// Numbers the core must range-check: past 2^32 and 2^53, negative, fractional, exponents, -0.
const NUMBER_TEXTS = [
  '0', '-0', '1', '-1', '5', '65536', '4294967295', '4294967296', '-4294967296', '9007199254740993',
  '18446744073709551616', '1e400', '-1e400', '1.5', '0.1e1', '1E2', '1e-400', '340', '341', '2147483648',
  '123456789012345678901234567890', '0.000000000000000000001',
];
const STRING_VALUES = [
  '', 'root', 'user', 'pid', 'network', 'mount', 'none', 'bind', 'rbind', 'gid=5', 'uid=0', 'gid=-1', 'uid=abc',
  'uid=4294967296', 'mode=0620', 'ro,nosuid', 'rro', 'shared', 'rslave', '/', '/proc', 'CAP_SYS_ADMIN',
  'RLIMIT_NOFILE', '\u0000', '\ud83d\ude00', '\\', '"', 'é', 'a'.repeat(300), 'v1', 'v2', 'hybrid', 'true', 'auto',
  'create', 'checkpoint', 'pause', 'update', 'ps',
];

/** Random JSON text, any type, bounded depth: what a confused or hostile writer might put anywhere. */
function randomJsonText(r: Rand, depth = 0): string {
  const k = int(r, depth > 4 ? 5 : 8);
  switch (k) {
    case 0: return pick(r, NUMBER_TEXTS);
    case 1: return JSON.stringify(pick(r, STRING_VALUES));
    case 2: return pick(r, ['true', 'false', 'null']);
    case 3: return String(int(r, 100000));
    case 4: return JSON.stringify({ containerID: int(r, 70000), hostID: int(r, 200000), size: int(r, 70000) });
    case 5: return '[' + Array.from({ length: int(r, 4) }, () => randomJsonText(r, depth + 1)).join(',') + ']';
    case 6: {
      const keys = ['type', 'path', 'options', 'uid', 'gid', 'size', 'hostID', 'containerID', 'destination', 'source', 'x'];
      return '{' + Array.from({ length: int(r, 4) }, () => `${JSON.stringify(pick(r, keys))}:${randomJsonText(r, depth + 1)}`).join(',') + '}';
    }
    default: return '['.repeat(1 + int(r, 2000)) + ']'.repeat(int(r, 2) ? 0 : 1 + int(r, 2000));
  }
}

/** Every JSON Pointer-like route to a value inside doc (as key lists), for targeted replacement. */
function routes(doc: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(doc)) doc.forEach((x, i) => routes(x, [...prefix, i], out));
  else if (doc !== null && typeof doc === 'object') for (const [k, x] of Object.entries(doc)) routes(x, [...prefix, k], out);
  return out;
}

/**
 * Serializes doc with the value at one route replaced by raw JSON text (which may itself be
 * invalid JSON, deliberately): a marker string goes in, and its quoted form is swapped for the text.
 */
function replaceAt(doc: unknown, route: (string | number)[], text: string): string {
  const MARK = '\u0001MUTATION\u0001';
  if (route.length === 0) return text;
  const copy = structuredClone(doc) as any;
  let p = copy;
  for (const k of route.slice(0, -1)) p = p[k];
  p[route[route.length - 1]] = MARK;
  return JSON.stringify(copy).replace(JSON.stringify(MARK), () => text);
}

function mutateBytes(r: Rand, bytes: Uint8Array, others: Uint8Array[]): { bytes: Uint8Array; how: string } {
  const k = int(r, 5);
  if (k === 0 || bytes.length === 0) {
    const out = bytes.slice();
    const n = 1 + int(r, 8);
    for (let i = 0; i < n && out.length; i++) out[int(r, out.length)] = int(r, 256);
    return { bytes: out, how: `flip ${n} bytes` };
  }
  if (k === 1) {
    const at = int(r, bytes.length);
    return { bytes: bytes.slice(0, at), how: `truncate at ${at}` };
  }
  if (k === 2) {
    const other = pick(r, others);
    const a = int(r, bytes.length), b = int(r, other.length + 1);
    const out = new Uint8Array(a + other.length - b);
    out.set(bytes.subarray(0, a));
    out.set(other.subarray(b), a);
    return { bytes: out, how: `splice ${a}/${b}` };
  }
  if (k === 3) {
    // Insert a structural byte: breaks nesting and quoting in ways flips rarely do.
    const at = int(r, bytes.length + 1);
    const ins = utf8.encode(pick(r, ['{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\\ud800', '\u00ff', '\uffff', ' ']));
    const out = new Uint8Array(bytes.length + ins.length);
    out.set(bytes.subarray(0, at));
    out.set(ins, at);
    out.set(bytes.subarray(at), at + ins.length);
    return { bytes: out, how: `insert at ${at}` };
  }
  // Invalid UTF-8 somewhere: a lone continuation byte, an overlong form, or a surrogate encoding.
  const at = int(r, bytes.length + 1);
  const bad = pick(r, [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff]]);
  const out = new Uint8Array(bytes.length + bad.length);
  out.set(bytes.subarray(0, at));
  out.set(bad, at);
  out.set(bytes.subarray(at), at + bad.length);
  return { bytes: out, how: `invalid utf-8 at ${at}` };
}

/**
 * An endless stream of inputs derived from the vectors: half structural (a random value of a
 * random type at a real spec or facts path), half byte-level (flips, truncations, splices,
 * inserted structure, invalid UTF-8), and now and then pure random JSON.
 */
export function* generateInputs(seed: number, vectors: Vector[]): Generator<Input> {
  const r = prng(seed);
  const docs = vectors.map((v) => ({
    facts: v.facts,
    factsRoutes: routes(v.facts),
    config: v.configBytes.length ? safeParse(v.configBytes) : undefined,
    v,
  }));
  const configRoutes = docs.map((d) => (d.config === undefined ? [] : routes(d.config)));
  const allBytes = vectors.flatMap((v) => [v.factsBytes, v.configBytes]).filter((b) => b.length);
  for (;;) {
    const i = int(r, docs.length);
    const d = docs[i];
    const k = int(r, 10);
    if (k < 4 && configRoutes[i].length) {
      const route = pick(r, configRoutes[i]);
      yield { facts: d.v.factsBytes, config: utf8.encode(replaceAt(d.config, route, randomJsonText(r))), how: `${d.v.name}: config /${route.join('/')} = random` };
    } else if (k < 6) {
      const route = pick(r, d.factsRoutes);
      yield { facts: utf8.encode(replaceAt(d.facts, route, randomJsonText(r))), config: d.v.configBytes, how: `${d.v.name}: facts /${route.join('/')} = random` };
    } else if (k < 8) {
      const m = mutateBytes(r, d.v.configBytes, allBytes);
      yield { facts: d.v.factsBytes, config: m.bytes, how: `${d.v.name}: config ${m.how}` };
    } else if (k < 9) {
      const m = mutateBytes(r, d.v.factsBytes, allBytes);
      yield { facts: m.bytes, config: d.v.configBytes, how: `${d.v.name}: facts ${m.how}` };
    } else {
      yield { facts: d.v.factsBytes, config: utf8.encode(randomJsonText(r)), how: `${d.v.name}: config random JSON` };
    }
  }
}

function safeParse(bytes: Uint8Array): unknown {
  try { return JSON.parse(Buffer.from(bytes).toString('utf8')); } catch { return undefined; }
}

/**
 * A large, valid spec for the benchmark: runc's default spec with 100 mounts (binds with
 * propagation and recursive attributes, tmpfs with uid/gid/mode/size data) and 50 uid and 50
 * gid mapping entries, for real root (identity facts) so that every check runs and passes.
 */
export function largeSpec(defaultSpec: any): any {
  const spec = structuredClone(defaultSpec);
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ containerID: i * 1000, hostID: 100000 + i * 1000, size: 1000 }));
  spec.linux.namespaces.push({ type: 'user' });
  spec.linux.uidMappings = entries(50);
  spec.linux.gidMappings = entries(50);
  const extra = 100 - spec.mounts.length;
  for (let i = 0; i < extra; i++) {
    spec.mounts.push(i % 2
      ? { destination: `/data/${i}`, type: 'bind', source: `/srv/data/${i}`, options: ['rbind', i % 3 ? 'ro' : 'rw', 'nosuid', 'nodev', i % 4 ? 'rprivate' : 'rslave', 'rro'] }
      : { destination: `/scratch/${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${i + 1}m`, `uid=${i * 100}`, `gid=${i * 100 + 5}`] });
  }
  return spec;
}
