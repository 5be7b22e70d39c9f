// State: ids, the exclusive state dir, atomic state.json, the lock, status.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, computeStatus, createStateDir, lockContainer, ociState, procStartTime, readState, validateId, writeState, type ContainerRecord } from '../host/state.js';

const root = mkdtempSync(join(tmpdir(), 'wrunc-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rec = (id: string, pid: number, pidStart: string): ContainerRecord => ({
  id, pid, pidStart, bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000Z', owner: 0,
  annotations: {}, plan: {} as never, decisions: {} as never, cgroup: null, config: '{}',
});

describe('validateId', () => {
  it('accepts what runc accepts and nothing else', () => {
    for (const ok of ['a', 'A-b_c.d+e', '123', '...']) expect(() => validateId(ok)).not.toThrow();
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a b', 'é', 'a\n']) expect(() => validateId(bad)).toThrow(/container.invalid-id|invalid container id/);
  });
});

describe('state dir and state.json', () => {
  it('creates exclusively and round-trips', () => {
    const dir = createStateDir(root, 'one');
    expect(() => createStateDir(root, 'one')).toThrow(/already exists/);
    writeState(dir, rec('one', 1, '0'));
    expect(readState(root, 'one').rec.id).toBe('one');
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(() => readState(root, 'two')).toThrow(/does not exist/);
  });
});

describe('lock', () => {
  it('excludes a second holder, names it, and is free again on release', () => {
    const dir = createStateDir(root, 'locked');
    const release = lockContainer(dir, 'locked');
    expect(() => lockContainer(dir, 'locked', 20)).toThrow(`locked by process ${process.pid}`);
    release();
    release();
    lockContainer(dir, 'locked', 20)();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a waiter whose container was removed meanwhile gets container.not-found', () => {
    const dir = createStateDir(root, 'gone');
    const release = lockContainer(dir, 'gone');
    rmSync(dir, { recursive: true });
    expect(() => lockContainer(dir, 'gone', 20)).toThrow(/does not exist/);
    release();
  });
});

describe('status', () => {
  it('created with the fifo, running without, stopped when the process is gone or reused', async () => {
    const dir = createStateDir(root, 'st');
    const child = spawn('sleep', ['100'], { stdio: 'ignore' });
    const start = procStartTime(child.pid!)!;
    writeFileSync(join(dir, 'exec.fifo'), '');
    expect(computeStatus(dir, rec('st', child.pid!, start), () => false)).toBe('created');
    rmSync(join(dir, 'exec.fifo'));
    expect(computeStatus(dir, rec('st', child.pid!, start), () => false)).toBe('running');
    expect(computeStatus(dir, rec('st', child.pid!, start), () => true)).toBe('paused');
    expect(computeStatus(dir, rec('st', child.pid!, `${start}1`), () => false)).toBe('stopped');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(alive(child.pid!, start)).toBe(false);
    expect(ociState(rec('st', child.pid!, start), 'stopped')).toEqual({
      ociVersion: '1.0.2-dev', id: 'st', pid: 0, status: 'stopped', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000Z', owner: '' });
  });
});
