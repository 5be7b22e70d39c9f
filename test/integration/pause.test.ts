// pause and resume against a real container (root): the freezer stops a counter the container
// writes, state says paused, resume lets it go on; wrong states are one line and change nothing.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, wrunc, type Run } from './helpers.js';
import { leftovers } from './leftovers.js';

if (!isRoot) console.warn('pause.test.ts: skipped, it starts real containers and needs root');

const root = tempStateRoot();
// the counter lives in the rootfs (no mount over /tmp), so the host reads it directly
const bundle = tempBundle({
  args: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.02; done'],
  edit: (s) => { s.root.readonly = false; },
});
const stamp = Date.now().toString(36);
const id = `pause-${stamp}`;
const counter = `${bundle.path}/rootfs/tmp/count`;

function status(which: string): string {
  return JSON.parse(wrunc(['state', which], { root: root.path }).stdout).status;
}

function count(): number {
  return existsSync(counter) ? Number(readFileSync(counter, 'utf8').trim() || 0) : 0;
}

/** what the kernel says: v1 freezer.state, or v2 cgroup.events' "frozen" */
function kernelFrozen(which = id): boolean {
  const { mode, dirs } = JSON.parse(readFileSync(`${root.path}/${which}/state.json`, 'utf8')).cgroup;
  if (mode === 'v2') return /^frozen 1$/m.test(readFileSync(`${dirs['']}/cgroup.events`, 'utf8'));
  return readFileSync(`${dirs.freezer}/freezer.state`, 'utf8').trim() === 'FROZEN';
}

function oneLine(r: Run, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe.runIf(isRoot)('pause and resume', () => {
  beforeAll(async () => {
    const r = wrunc(['run', '-d', '-b', bundle.path, id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (let i = 0; i < 200 && count() < 3; i++) await sleep(20);
  });

  afterAll(() => {
    wrunc(['delete', '-f', id], { root: root.path });
    expect(leftovers({ root: root.path, id, bundle: bundle.path })).toEqual([]);
    bundle.cleanup();
    root.cleanup();
  });

  it('pause freezes the container: state paused, the counter stops', async () => {
    const r = wrunc(['pause', id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(status(id)).toBe('paused');
    expect(kernelFrozen()).toBe(true);
    const frozenAt = count();
    await sleep(300);
    expect(count()).toBe(frozenAt);
  });

  it('pause of a paused container is refused and it stays paused', () => {
    oneLine(wrunc(['pause', id], { root: root.path }), /^wrunc: container.not-running: .*paused/);
    expect(status(id)).toBe('paused');
  });

  it('resume thaws it: state running, the counter moves again', async () => {
    const before = count();
    const r = wrunc(['resume', id], { root: root.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(status(id)).toBe('running');
    expect(kernelFrozen()).toBe(false);
    for (let i = 0; i < 100 && count() <= before; i++) await sleep(20);
    expect(count()).toBeGreaterThan(before);
  });

  it('resume of a running container is refused and it keeps running', () => {
    oneLine(wrunc(['resume', id], { root: root.path }), /^wrunc: container.not-paused: /);
    expect(status(id)).toBe('running');
  });

  it('a created container can be paused and resumed, as with runc', () => {
    const created = `pause-created-${stamp}`;
    const b = tempBundle({ args: ['true'] });
    try {
      expect(wrunc(['create', '-b', b.path, created], { root: root.path }).status).toBe(0);
      expect(wrunc(['pause', created], { root: root.path }).status).toBe(0);
      expect(kernelFrozen(created)).toBe(true);
      const r = wrunc(['resume', created], { root: root.path });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(kernelFrozen(created)).toBe(false);
      expect(status(created)).toBe('created');
    } finally {
      wrunc(['delete', '-f', created], { root: root.path });
      b.cleanup();
    }
  });

  it('pause of a stopped or unknown container is one line, status 1, nothing changed', async () => {
    const stopped = `pause-stopped-${stamp}`;
    const b = tempBundle({ args: ['true'] });
    try {
      expect(wrunc(['run', '-d', '-b', b.path, stopped], { root: root.path }).status).toBe(0);
      for (let i = 0; i < 100 && status(stopped) !== 'stopped'; i++) await sleep(20);
      oneLine(wrunc(['pause', stopped], { root: root.path }), /^wrunc: container.not-running: .*stopped/);
      expect(status(stopped)).toBe('stopped');
      oneLine(wrunc(['resume', stopped], { root: root.path }), /^wrunc: container.not-paused: /);
      oneLine(wrunc(['pause', `nope-${stamp}`], { root: root.path }), /^wrunc: container.not-found: /);
    } finally {
      wrunc(['delete', '-f', stopped], { root: root.path });
      b.cleanup();
    }
  });
});
