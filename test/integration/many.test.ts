// Fifty containers at once: created concurrently, started, listed, force-deleted concurrently,
// and nothing of any of them left. Catches races on the state root, locks and cgroup parents.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, WRUNC, wrunc } from './helpers.js';
import { leftovers, stateDirs } from './leftovers.js';

const N = 50;
const root = tempStateRoot();
const bundle = tempBundle({ args: ['sleep', '1000'] });
const ids = Array.from({ length: N }, (_, i) => `many-${i}`);
afterAll(() => {
  for (const id of ids) wrunc(['delete', '--force', id], { root: root.path });
  bundle.cleanup();
  root.cleanup();
});

/** wrunc without waiting for the others; stdio ignored because created containers inherit it */
function wruncAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(WRUNC, ['--root', root.path, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    // 'exit', not 'close': the container may hold a copy of stderr
    p.on('exit', (status) => resolve({ status, stderr }));
  });
}

function all(args: (id: string) => string[]) {
  return Promise.all(ids.map((id) => wruncAsync(args(id))));
}

describe.runIf(isRoot)(`${N} containers at once`, () => {
  it('create, start, delete --force all concurrently, nothing left', async () => {
    for (const r of await all((id) => ['create', '-b', bundle.path, id])) expect(r).toEqual({ status: 0, stderr: '' });
    const listed = JSON.parse(wrunc(['list', '--format', 'json'], { root: root.path }).stdout) as { id: string; status: string; pid: number }[];
    expect(listed.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(new Set(listed.map((s) => s.status))).toEqual(new Set(['created']));

    for (const r of await all((id) => ['start', id])) expect(r).toEqual({ status: 0, stderr: '' });
    const running = JSON.parse(wrunc(['list', '--format', 'json'], { root: root.path }).stdout) as typeof listed;
    expect(new Set(running.map((s) => s.status))).toEqual(new Set(['running']));

    for (const r of await all((id) => ['delete', '--force', id])) expect(r).toEqual({ status: 0, stderr: '' });
    for (const s of running) expect(leftovers({ root: root.path, id: s.id, bundle: bundle.path, pid: s.pid })).toEqual([]);
    expect(stateDirs(root.path)).toEqual([]);
  }, 300_000);
});
