// The lifecycle against real containers (root): run's exit status, create → start → kill →
// delete with state at each step, and nothing left afterwards.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, afterAll } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, WRUNC, wrunc } from './helpers.js';
import { leftovers, stateDirs } from './leftovers.js';

const root = tempStateRoot();
afterAll(() => root.cleanup());

function state(id: string): { status: string; pid: number; id: string; bundle: string } {
  const r = wrunc(['state', id], { root: root.path });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe.runIf(isRoot)('run', () => {
  it.each([
    ['true', ['true'], 0],
    ['exit 3', ['sh', '-c', 'exit 3'], 3],
  ])('%s exits with the container\'s status', (name, args, status) => {
    const b = tempBundle({ args });
    try {
      const id = `run-${status}`;
      const r = wrunc(['run', '--bundle', b.path, id], { root: root.path });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(status);
      expect(leftovers({ root: root.path, id, bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('exits 137 when the container is killed by SIGKILL', async () => {
    const b = tempBundle({ args: ['sleep', '1000'] });
    const id = 'run-killed';
    try {
      // PID 1 of a PID namespace ignores its own SIGKILL: it has to come from outside
      const run = spawn(WRUNC, ['--root', root.path, 'run', '-b', b.path, id], { stdio: 'ignore' });
      const status = new Promise<number | null>((r) => run.on('exit', (code) => r(code)));
      for (let i = 0; i < 200 && !wrunc(['state', id], { root: root.path }).stdout.includes('running'); i++) await sleep(20);
      expect(wrunc(['kill', id, 'SIGKILL'], { root: root.path }).status).toBe(0);
      expect(await status).toBe(137);
      expect(leftovers({ root: root.path, id, bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('passes the container\'s output through and keeps the state with --keep', () => {
    const b = tempBundle({ args: ['echo', 'hello'] });
    try {
      const r = wrunc(['run', '--keep', '-b', b.path, 'kept'], { root: root.path });
      expect(r.stdout).toBe('hello\n');
      expect(r.status).toBe(0);
      expect(state('kept').status).toBe('stopped');
      expect(wrunc(['delete', 'kept'], { root: root.path }).status).toBe(0);
      expect(leftovers({ root: root.path, id: 'kept', bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
    }
  });
});

describe.runIf(isRoot)('poststart and poststop hooks', () => {
  it('get the state on stdin; a failing poststop only warns', () => {
    const out = tempStateRoot();
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > ${out.path}/${name}`] });
    const b = tempBundle({ args: ['true'], edit: (s) => { s.hooks = { poststart: [hook('start')], poststop: [hook('stop'), { path: '/bin/false' }] }; } });
    try {
      const r = wrunc(['run', '-b', b.path, 'hooked'], { root: root.path });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^wrunc: warning: hook\.[a-z-]+: .*\/bin\/false.*\(at \/hooks\/poststop\/1\)\n$/);
      expect(JSON.parse(readFileSync(`${out.path}/start`, 'utf8'))).toMatchObject({ id: 'hooked', status: 'running', bundle: b.path });
      expect(JSON.parse(readFileSync(`${out.path}/stop`, 'utf8'))).toMatchObject({ id: 'hooked', status: 'stopped' });
      expect(leftovers({ root: root.path, id: 'hooked', bundle: b.path })).toEqual([]);
    } finally {
      b.cleanup();
      out.cleanup();
    }
  });
});

describe.runIf(isRoot)('create, start, kill, delete', () => {
  it('goes created → running → stopped → gone, leaving nothing', async () => {
    const b = tempBundle({ args: ['sleep', '1000'] });
    const id = 'life';
    try {
      const pidFile = `${b.path}/pid`;
      const c = wrunc(['create', '--bundle', b.path, '--pid-file', pidFile, id], { root: root.path });
      expect(c.stderr).toBe('');
      expect(c.status).toBe(0);
      const created = state(id);
      expect(created).toMatchObject({ id, status: 'created', bundle: b.path });
      expect(created.pid).toBeGreaterThan(0);

      const listed = wrunc(['list', '--format', 'json'], { root: root.path });
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, status: 'created', owner: 'root' })]);
      expect(wrunc(['list', '-q'], { root: root.path }).stdout).toBe(`${id}\n`);

      expect(wrunc(['start', id], { root: root.path }).status).toBe(0);
      expect(state(id)).toMatchObject({ status: 'running', pid: created.pid });
      const again = wrunc(['start', id], { root: root.path });
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/already running/);

      expect(wrunc(['kill', id, 'KILL'], { root: root.path }).status).toBe(0);
      for (let i = 0; i < 100 && state(id).status !== 'stopped'; i++) await sleep(20);
      expect(state(id)).toMatchObject({ status: 'stopped', pid: 0 });
      const killStopped = wrunc(['kill', id], { root: root.path });
      expect(killStopped.status).toBe(1);
      expect(killStopped.stderr).toMatch(/not running/);

      const d = wrunc(['delete', id], { root: root.path });
      expect(d.stderr).toBe('');
      expect(d.status).toBe(0);
      expect(leftovers({ root: root.path, id, bundle: b.path, pid: created.pid })).toEqual([]);
      expect(wrunc(['state', id], { root: root.path }).status).toBe(1);
    } finally {
      wrunc(['delete', '--force', id], { root: root.path });
      b.cleanup();
    }
  });

  it('delete --force removes a running container; kill --all reaches every process', () => {
    const b = tempBundle({ args: ['sh', '-c', 'sleep 1000 & sleep 1000'] });
    const id = 'forced';
    try {
      expect(wrunc(['run', '-d', '-b', b.path, id], { root: root.path }).status).toBe(0);
      const { pid } = state(id);
      expect(wrunc(['kill', '--all', id, 'SIGSTOP'], { root: root.path }).status).toBe(0);
      expect(wrunc(['kill', '-a', id, '18'], { root: root.path }).status).toBe(0);
      expect(wrunc(['delete', '-f', id], { root: root.path }).status).toBe(0);
      expect(leftovers({ root: root.path, id, bundle: b.path, pid })).toEqual([]);
      expect(wrunc(['delete', '-f', id], { root: root.path }).status).toBe(0);
    } finally {
      b.cleanup();
    }
  });

  it('leaves no state dirs in the root', () => {
    expect(stateDirs(root.path)).toEqual([]);
  });
});
