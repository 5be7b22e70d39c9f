// Bad input: each failure is exactly one line on stderr naming what and where, a non-zero
// status, and nothing left behind (state dir, cgroup, process, mount).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, wrunc, type Run } from './helpers.js';
import { leftovers, stateDirs } from './leftovers.js';

const root = tempStateRoot();
const bundle = tempBundle({ args: ['sleep', '1000'] });
afterAll(() => {
  bundle.cleanup();
  root.cleanup();
});

function oneLine(r: Run, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe.runIf(isRoot)('bad input', () => {
  it('missing bundle', () => {
    oneLine(wrunc(['create', '--bundle', '/nonexistent/bundle', 'a'], { root: root.path }), /^wrunc: bundle.not-found: .*\/nonexistent\/bundle/);
    expect(leftovers({ root: root.path, id: 'a' })).toEqual([]);
  });

  it('config.json that is not JSON, with the JSON Pointer of where it broke', () => {
    const b = tempBundle();
    try {
      writeFileSync(`${b.path}/config.json`, '{"ociVersion": "1.0.2", "process": {');
      oneLine(wrunc(['run', '-b', b.path, 'syntax'], { root: root.path }), /^wrunc: spec.syntax: .*\(at \/process\)$/m);
      expect(leftovers({ root: root.path, id: 'syntax', bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('config.json with a field of the wrong type', () => {
    const b = tempBundle({ edit: (s) => { s.process.args = 42; } });
    try {
      oneLine(wrunc(['create', '-b', b.path, 'typed'], { root: root.path }), /^wrunc: spec.type: .*\(at \/process\/args\)$/m);
      expect(leftovers({ root: root.path, id: 'typed', bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('duplicate id, and delete of a running container without --force', () => {
    const id = 'dup';
    expect(wrunc(['run', '-d', '-b', bundle.path, id], { root: root.path }).status).toBe(0);
    try {
      oneLine(wrunc(['create', '-b', bundle.path, id], { root: root.path }), /^wrunc: container.exists: /);
      oneLine(wrunc(['delete', id], { root: root.path }), /^wrunc: container.running: .*--force/);
      expect(JSON.parse(wrunc(['state', id], { root: root.path }).stdout).status).toBe('running');
    } finally {
      expect(wrunc(['delete', '--force', id], { root: root.path }).status).toBe(0);
    }
    expect(leftovers({ root: root.path, id, bundle: bundle.path })).toEqual([]);
  });

  it('invalid id', () => {
    for (const id of ['../x', 'a/b', '..', 'has space']) {
      oneLine(wrunc(['create', '-b', bundle.path, id], { root: root.path }), /^wrunc: container.invalid-id: /);
    }
    expect(stateDirs(root.path)).toEqual([]);
  });

  it('start, kill, state and delete of an unknown id', () => {
    for (const cmd of [['start'], ['kill'], ['state'], ['delete']]) {
      oneLine(wrunc([...cmd, 'unknown'], { root: root.path }), /^wrunc: container.not-found: container unknown does not exist/);
    }
  });

  it('a mount destination that leaves the rootfs through a symlink', () => {
    const b = tempBundle({ edit: (s) => s.mounts.push({ destination: '/escape/x', type: 'tmpfs', source: 'tmpfs' }) });
    try {
      symlinkSync('../../../../../../tmp', `${b.path}/rootfs/escape`);
      oneLine(wrunc(['run', '-b', b.path, 'escape'], { root: root.path }), /^wrunc: mount\.[a-z-]+: .*\(at \/mounts\/\d+\/destination\)$/m);
      expect(leftovers({ root: root.path, id: 'escape', bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('delete --force clears what a create killed half-way left (a state dir without state.json)', () => {
    mkdirSync(`${root.path}/half`);
    oneLine(wrunc(['delete', 'half'], { root: root.path }), /^wrunc: container.not-found: /);
    expect(wrunc(['delete', '--force', 'half'], { root: root.path })).toMatchObject({ status: 0, stderr: '' });
    expect(stateDirs(root.path)).toEqual([]);
  });

  it('--log gets the error too, in text or JSON', () => {
    const logs = tempStateRoot();
    try {
      for (const format of ['text', 'json']) {
        const file = `${logs.path}/${format}.log`;
        oneLine(wrunc(['--log', file, '--log-format', format, 'state', 'unknown'], { root: root.path }), /container.not-found/);
        const entry = readFileSync(file, 'utf8').trim();
        if (format === 'json') expect(JSON.parse(entry)).toMatchObject({ level: 'error', msg: expect.stringMatching(/container.not-found/) });
        else expect(entry).toMatch(/^time="[^"]+" level=error msg=".*container.not-found.*"$/);
      }
    } finally {
      logs.cleanup();
    }
  });

  it('an unknown signal and an unknown command', () => {
    oneLine(wrunc(['kill', 'x', 'SIGNOPE'], { root: root.path }), /^wrunc: signal.invalid: /);
    oneLine(wrunc(['frobnicate'], { root: root.path }), /^wrunc: usage: /);
  });

  it('leaves no state dirs', () => {
    expect(stateDirs(root.path)).toEqual([]);
  });
});
