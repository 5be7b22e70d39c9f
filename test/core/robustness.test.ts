// Hostile input never traps: every case returns a result with errors as values.
import { describe, expect, it } from 'vitest';
import { decideRaw } from '../../host/core.js';
import type { Result } from '../../host/types.js';
import { bytes, defaultSpec, enc, rootFacts, rootlessSpec } from './helpers.js';

const dec = new TextDecoder();
const run = (facts: Uint8Array, spec: Uint8Array | null): Result => JSON.parse(dec.decode(decideRaw(facts, spec)));
const facts = bytes(rootFacts());
const codes = (r: Result) => r.errors.map((e) => e.code);

describe('robustness', () => {
  it('empty facts: facts.syntax, no decisions', () => {
    const r = run(new Uint8Array(0), null);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['facts.syntax']);
    expect(r.decisions).toBeNull();
  });

  it('empty config means no spec: decisions, plan null', () => {
    const r = run(facts, new Uint8Array(0));
    expect(r.ok).toBe(true);
    expect(r.decisions).not.toBeNull();
    expect(r.plan).toBeNull();
  });

  it('invalid UTF-8 is spec.syntax with its byte offset', () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      const doc = new Uint8Array([0x7b, 0x22, ...bad, 0x22, 0x3a, 0x31, 0x7d]);
      const r = run(facts, doc);
      expect(codes(r)).toEqual(['spec.syntax']);
      expect(r.errors[0].message).toMatch(/UTF-8/);
    }
  });

  it('100,000-deep nesting is an error, not a stack overflow', () => {
    for (const [o, c] of [['[', ']'], ['{"a":', '}']]) {
      const r = run(facts, enc.encode(o.repeat(100_000) + '1' + c.repeat(100_000)));
      expect(codes(r)).toEqual(['spec.syntax']);
      expect(r.errors[0].message).toMatch(/deeper than 512/);
    }
  });

  it('points spec.syntax at the value being read', () => {
    const r = run(facts, enc.encode('{"process": {"args": ["sh", tru]}}'));
    expect(r.errors[0]).toMatchObject({ code: 'spec.syntax', path: '/process/args/1' });
  });

  it('points spec.syntax after a comma in an object at the object, not the member before', () => {
    expect(run(facts, enc.encode('{"process": {"cwd": "/",}}')).errors[0]).toMatchObject({ code: 'spec.syntax', path: '/process' });
    expect(run(facts, enc.encode('{"ociVersion": "1.0.2",')).errors[0]).toMatchObject({ code: 'spec.syntax', path: '' });
    expect(run(facts, enc.encode('{"process": {"args": ["sh",]}}')).errors[0]).toMatchObject({ code: 'spec.syntax', path: '/process/args/1' });
  });

  it('a mapping entry without size is spec.required only (missing is not 0)', () => {
    const s = rootlessSpec();
    delete s.linux.uidMappings[0].size;
    const r = run(facts, enc.encode(JSON.stringify(s)));
    expect(r.errors.map((e: { code: string; path: string }) => `${e.code} ${e.path}`)).not.toContain('idmap.invalid /linux/uidMappings/0/size');
    expect(r.errors.map((e: { code: string; path: string }) => `${e.code} ${e.path}`)).toContain('spec.required /linux/uidMappings/0/size');
  });

  it('handles a 10 MB config', () => {
    const spec = defaultSpec();
    spec.annotations = {};
    for (let i = 0; i < 400_000; i++) spec.annotations[`io.example.key${i}`] = `v${i}`;
    const b = bytes(spec);
    expect(b.length).toBeGreaterThan(10_000_000);
    const r = run(facts, b);
    expect(r.ok).toBe(true);
    expect(r.plan!.annotations.length).toBe(400_000);
  });

  it('refuses configs past 16 MiB', () => {
    const r = run(facts, enc.encode(`{"x":"${'a'.repeat(17 << 20)}"}`));
    expect(codes(r)).toEqual(['spec.value']);
  });

  it('reads numbers past 2^53 and 2^32 exactly, and rejects them where they do not fit', () => {
    const text = enc.encode(JSON.stringify(defaultSpec())
      .replace('"hard":1024', '"hard":18446744073709551615')
      .replace('"soft":1024', '"soft":9007199254740993')
      .replace('"uid":0', '"uid":4294967296'));
    const r = run(facts, text);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'spec.value', path: '/process/user/uid' })]);
    const ok = run(facts, enc.encode(JSON.stringify(defaultSpec())
      .replace('"hard":1024', '"hard":18446744073709551615')
      .replace('"soft":1024', '"soft":9007199254740993')));
    expect(ok.plan!.process!.rlimits[0]).toMatchObject({ soft: '9007199254740993', hard: '18446744073709551615' });
    const over = run(facts, enc.encode(JSON.stringify(defaultSpec()).replace('"hard":1024', '"hard":18446744073709551616')));
    expect(over.errors[0]).toMatchObject({ code: 'spec.value', path: '/process/rlimits/0/hard' });
    const frac = run(facts, enc.encode(JSON.stringify(defaultSpec()).replace('"hard":1024', '"hard":1024.5')));
    expect(frac.errors[0]).toMatchObject({ code: 'spec.type', path: '/process/rlimits/0/hard' });
  });

  it('duplicate keys: the last one wins', () => {
    const text = JSON.stringify(defaultSpec()).replace('"hostname":"runc"', '"hostname":"first","hostname":"second"');
    const r = run(facts, enc.encode(text));
    expect(r.plan!.hostname).toBe('second');
  });

  it('escapes: decoded values, re-escaped output', () => {
    const spec = defaultSpec();
    spec.process.env.push('Q="\\\u00e9\u{1f600}\t');
    spec.annotations = { 'a/b~c': 'x', dup: '1' };
    const text = JSON.stringify(spec).replace('"dup":"1"', '"dup":"1","dup":"2"');
    const r = run(facts, enc.encode(text));
    expect(r.plan!.process!.env.at(-1)).toBe('Q="\\\u00e9\u{1f600}\t');
    expect(r.plan!.annotations).toEqual([{ key: 'a/b~c', value: 'x' }, { key: 'dup', value: '2' }]);
    spec.process.cwd = 5;
    spec.annotations = { 'a/b~c': 7 };
    const bad = run(facts, bytes(spec));
    expect(bad.errors.map((e) => e.path)).toEqual(['/process/cwd', '/annotations/a~1b~0c']);
  });

  it('never traps on truncations of a valid config', () => {
    const full = bytes(defaultSpec());
    for (let n = 0; n < full.length; n += 7) {
      const r = run(facts, full.subarray(0, n));
      if (n > 0) expect(r.ok).toBe(false);
    }
  });

  it('bad facts: facts.* errors with /facts paths and decisions null', () => {
    const r = run(bytes({ ...rootFacts(), euid: -1, cgroup: { mode: 'v3', writable: true }, uidMap: 'zero' }), null);
    expect(r.decisions).toBeNull();
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ['facts.value', '/facts/euid'],
      ['facts.value', '/facts/uidMap'],
      ['facts.value', '/facts/cgroup/mode'],
    ]);
    expect(run(enc.encode('{"euid":0,'), null).errors[0]).toMatchObject({ code: 'facts.syntax', path: '/facts' });
    expect(run(enc.encode('{"egid":0}'), null).errors[0]).toMatchObject({ code: 'facts.required', path: '/facts/euid' });
  });
});
