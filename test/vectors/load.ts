// The one loader for the conformance vectors (test/vectors/*.json). Conformance, the wasm2c
// embedding test and the benchmark all read vectors through it, so every consumer feeds the
// core exactly the same bytes. File format: test/vectors/README.md.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExpectedProblem { code: string; path: string }

export interface Expectation {
  ok: boolean;
  /** subset: only the decisions named here are compared (their `value`); null: unreadable facts */
  decisions?: Record<string, unknown> | null;
  /** exact, compared as a multiset of code+path (order is not part of the contract) */
  errors: ExpectedProblem[];
  /** when present: exact, like errors */
  warnings?: ExpectedProblem[];
  /** when present: null, or a subset of the plan (objects compared key by key, the rest exactly) */
  plan?: unknown;
}

/** RFC 6902 subset applied to a fixture or object config before it is serialized. */
export interface PatchOp { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }

export interface VectorSource {
  name: string;
  /** the Facts object, or {"raw": "..."} for facts that are not valid JSON */
  facts: unknown;
  config: unknown;
  patch?: PatchOp[];
  expect: Expectation;
}

export interface Vector extends VectorSource {
  /** file name under test/vectors, e.g. "env-user.json" */
  file: string;
  factsBytes: Uint8Array;
  /** empty = "no spec given" */
  configBytes: Uint8Array;
}

/**
 * The repository root, found by walking up from this module: it works from the source tree
 * (vitest) and from an esbuild bundle in build/ (the benchmark) alike.
 */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'test', 'vectors', 'fixtures'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test/vectors/fixtures not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

const vectorsDir = join(repoRoot, 'test', 'vectors');
const utf8 = new TextEncoder();

/** runc 1.1.5's `runc spec` ("default") and `runc spec --rootless` ("rootless"), as bytes on disk. */
export function fixtureBytes(name: 'default' | 'rootless'): Uint8Array {
  return readFileSync(join(vectorsDir, 'fixtures', name + '.json'));
}

function decodePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`bad JSON Pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyPatch(doc: unknown, ops: PatchOp[]): unknown {
  const root = structuredClone(doc);
  for (const { op, path, value } of ops) {
    const tokens = decodePointer(path);
    const last = tokens.pop();
    if (last === undefined) throw new Error('patch cannot replace the whole document');
    let parent: any = root;
    for (const t of tokens) {
      if (parent === null || typeof parent !== 'object' || !(t in parent)) throw new Error(`patch path ${path} does not exist`);
      parent = parent[t];
    }
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length || (op !== 'add' && i >= parent.length)) {
        throw new Error(`patch index ${path} out of range`);
      }
      if (op === 'add') parent.splice(i, 0, value);
      else if (op === 'replace') parent[i] = value;
      else parent.splice(i, 1);
    } else if (parent !== null && typeof parent === 'object') {
      if (op !== 'add' && !(last in parent)) throw new Error(`patch path ${path} does not exist`);
      if (op === 'remove') delete parent[last];
      else parent[last] = value;
    } else {
      throw new Error(`patch path ${path}: parent is not a container`);
    }
  }
  return root;
}

function isRaw(config: unknown): config is { raw: string } {
  return config !== null && typeof config === 'object' && !Array.isArray(config)
    && Object.keys(config).length === 1 && typeof (config as { raw?: unknown }).raw === 'string';
}

/** The config.json bytes a vector stands for. */
function configBytesOf(v: VectorSource): Uint8Array {
  const { config, patch } = v;
  if (config === null) {
    if (patch) throw new Error(`${v.name}: patch without a config`);
    return new Uint8Array(0);
  }
  if (isRaw(config)) {
    if (patch) throw new Error(`${v.name}: patch on a raw config`);
    return utf8.encode(config.raw);
  }
  if (config === 'fixture:default' || config === 'fixture:rootless') {
    const bytes = fixtureBytes(config === 'fixture:default' ? 'default' : 'rootless');
    // Unpatched fixtures go in byte for byte, tabs and all, as runc wrote them.
    if (!patch) return bytes;
    return utf8.encode(JSON.stringify(applyPatch(JSON.parse(Buffer.from(bytes).toString('utf8')), patch), null, '\t'));
  }
  if (typeof config === 'string') throw new Error(`${v.name}: unknown config ${config}`);
  return utf8.encode(JSON.stringify(patch ? applyPatch(config, patch) : config));
}

function loadVectorFile(file: string): Vector[] {
  const sources = JSON.parse(readFileSync(join(vectorsDir, file), 'utf8')) as VectorSource[];
  if (!Array.isArray(sources)) throw new Error(`${file}: expected an array of vectors`);
  return sources.map((s) => ({
    ...s,
    file,
    factsBytes: utf8.encode(isRaw(s.facts) ? s.facts.raw : JSON.stringify(s.facts)),
    configBytes: configBytesOf(s),
  }));
}

/** Every vector, in file-name order then file order (a stable order for byte streams). */
export function loadVectors(): Vector[] {
  const files = readdirSync(vectorsDir).filter((f) => f.endsWith('.json')).sort();
  const all = files.flatMap(loadVectorFile);
  const seen = new Set<string>();
  for (const v of all) {
    if (seen.has(v.name)) throw new Error(`duplicate vector name ${JSON.stringify(v.name)} (${v.file})`);
    seen.add(v.name);
  }
  return all;
}

/** One vector by its name (the benchmark picks its inputs this way). */
export function vectorNamed(name: string): Vector {
  const v = loadVectors().find((x) => x.name === name);
  if (!v) throw new Error(`no vector named ${JSON.stringify(name)}`);
  return v;
}
