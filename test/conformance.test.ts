// Runs every vector in test/vectors through the core's raw ABI (bytes in, bytes out) and checks
// the result against expectations derived by hand from the contract (decision-core.md).
import { describe, expect, it } from 'vitest';
import { decideRaw } from '../host/core.js';
import { loadVectors, type ExpectedProblem, type Vector } from './vectors/load.js';

const vectors = loadVectors();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// Hard-coded from the contract's tables on purpose: a code or decision the vectors forget, or one
// the contract gains, must show up here, not be discovered from the vectors themselves.
const CONTRACT_ERROR_CODES = [
  'spec.syntax', 'spec.type', 'spec.required', 'spec.value',
  'rootless.userns-required', 'rootless.uidmap-required', 'rootless.gidmap-required',
  'idmap.invalid', 'idmap.overlap', 'idmap.host-unmapped', 'idmap.not-allotted', 'idmap.helper-missing',
  'user.unmapped', 'user.additional-gids', 'mount.unmapped-id', 'mount.option', 'command.unavailable',
];
// Documented extensions (host/types.ts, Result): facts problems and the warnings.
const EXTENSION_CODES = [
  'facts.syntax', 'facts.type', 'facts.required', 'facts.value',
  'spec.capability-unknown', 'mount.relative-destination', 'cgroup.devices-v2', 'cgroup.unsupported',
];
const CONTRACT_DECISIONS: Record<string, unknown[]> = {
  rootlessEuid: [true, false],
  honorXdgRuntimeDir: [true, false],
  stateRoot: ['/run/wrunc'], // plus $XDG_RUNTIME_DIR/wrunc and --root, checked by name below
  rootlessCgroups: [true, false],
  cgroupManager: ['fs', 'rootless-fs', 'systemd', 'none'],
  cgroupFeatures: [true, false],
  deviceCgroup: [true, false],
  psSource: ['cgroup', 'procfs'],
  checkpointRestore: [true, false],
  setgroups: ['allow', 'deny'],
  idmapWriter: ['direct', 'newidmap', 'none'],
  additionalGids: [true, false],
};
// The environments the brief names; each must be run with both runc fixtures.
const ENVIRONMENT_FILES = [
  'env-1-real-root.json', 'env-2-user.json', 'env-3-root-in-userns-lxd.json',
  'env-4-root-in-userns-alice.json', 'env-5-rootless-dind-root.json', 'env-6-rootless-dind-user.json',
];

const key = (p: ExpectedProblem) => `${p.code} ${p.path}`;
const sortedKeys = (ps: ExpectedProblem[]) => ps.map(key).sort();

/** Subset match: objects key by key, arrays element by element (same length), the rest exactly. */
function expectSubset(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${where} length`).toBe(expected.length);
    expected.forEach((e, i) => expectSubset((actual as unknown[])[i], e, `${where}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual, where).toBeTypeOf('object');
    expect(actual, where).not.toBeNull();
    for (const [k, v] of Object.entries(expected)) expectSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

function run(v: Vector): { bytes: Uint8Array; result: any } {
  const bytes = decideRaw(v.factsBytes, v.configBytes);
  return { bytes, result: JSON.parse(strictUtf8.decode(bytes)) };
}

describe('conformance vectors', () => {
  it.each(vectors.map((v) => [`${v.file}: ${v.name}`, v] as const))('%s', (_label, v) => {
    const { bytes, result } = run(v);
    // Fixed key order is part of the contract: equal inputs give equal bytes in every host.
    expect(Object.keys(result)).toEqual(['abi', 'ok', 'errors', 'warnings', 'decisions', 'plan']);
    expect(result.abi).toBe(1);
    expect(result.ok, JSON.stringify(result.errors)).toBe(v.expect.ok);
    expect(result.ok).toBe(result.errors.length === 0);
    expect(sortedKeys(result.errors), 'errors').toEqual(sortedKeys(v.expect.errors));
    if (v.expect.warnings) expect(sortedKeys(result.warnings), 'warnings').toEqual(sortedKeys(v.expect.warnings));
    for (const p of [...result.errors, ...result.warnings]) {
      expect(typeof p.message === 'string' && p.message.length > 0, `message of ${key(p)}`).toBe(true);
      expect(p.path === '' || p.path.startsWith('/'), `path of ${key(p)} is a JSON Pointer`).toBe(true);
    }
    // Decisions are computed from the facts whatever the spec says: null only for unreadable facts.
    if (v.expect.decisions === null) {
      expect(result.decisions).toBeNull();
    } else {
      expect(result.decisions).not.toBeNull();
      for (const [name, d] of Object.entries(result.decisions as Record<string, { value: unknown; reason: unknown }>)) {
        expect(typeof d.reason === 'string' && d.reason.length > 0, `reason of ${name}`).toBe(true);
      }
      for (const [name, value] of Object.entries(v.expect.decisions ?? {})) {
        expect(result.decisions[name]?.value, `decision ${name}`).toEqual(value);
      }
    }
    if ('plan' in v.expect) expectSubset(result.plan, v.expect.plan, 'plan');
    // Determinism: a second call on the same instance gives the same bytes.
    expect(Buffer.from(decideRaw(v.factsBytes, v.configBytes)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('vector coverage of the contract', () => {
  const expectedCodes = new Set(vectors.flatMap((v) => [...v.expect.errors, ...(v.expect.warnings ?? [])].map((e) => e.code)));
  it.each([...CONTRACT_ERROR_CODES, ...EXTENSION_CODES])('code %s is expected by some vector', (code) => {
    expect(expectedCodes.has(code)).toBe(true);
  });

  it.each(Object.entries(CONTRACT_DECISIONS))('decision %s appears with each of its values', (name, values) => {
    const seen = vectors.map((v) => v.expect.decisions ?? {}).filter((d) => name in d).map((d) => d[name]);
    for (const value of values) expect(seen, `${name} = ${JSON.stringify(value)}`).toContainEqual(value);
  });

  it('stateRoot is checked under XDG_RUNTIME_DIR and under --root', () => {
    const roots = vectors.map((v) => v.expect.decisions?.stateRoot).filter((r): r is string => typeof r === 'string');
    expect(roots.some((r) => /^\/run\/user\/\d+\/wrunc$/.test(r))).toBe(true);
    expect(vectors.some((v) => (v.facts as any).flags?.root && v.expect.decisions?.stateRoot === (v.facts as any).flags.root)).toBe(true);
  });

  it.each(ENVIRONMENT_FILES)('%s runs the default and the rootless spec and lists every decision', (file) => {
    const env = vectors.filter((v) => v.file === file);
    expect(env.map((v) => v.config).sort()).toEqual(['fixture:default', 'fixture:rootless']);
    for (const v of env) expect(Object.keys(v.expect.decisions ?? {}).sort()).toEqual(
      [...Object.keys(CONTRACT_DECISIONS), 'inUserNamespace'].sort());
  });

  it('every --rootless value and every systemd bus owner kind is exercised', () => {
    const facts = vectors.map((v) => v.facts as any);
    for (const r of ['true', 'false', 'auto']) expect(facts.some((f) => f.flags?.rootless === r)).toBe(true);
    for (const owner of [0, 1000, null]) {
      expect(facts.some((f) => f.flags?.systemdCgroup === true && f.systemdOwnerUid === owner)).toBe(true);
    }
  });
});
