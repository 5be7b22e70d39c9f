// OCI hooks on real containers: each kind fires at its lifecycle point, in the namespaces the
// runtime-spec names, with the state on stdin; a failing createRuntime hook fails create and
// leaves nothing behind.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempDir, tempStateRoot, wrunc, type TempDir } from './helpers.js';
import { leftovers, stateDirs } from './leftovers.js';

const ID = `hooks-${process.pid}`;
const FAILING = `hooks-fail-${process.pid}`;
const HOST_KINDS = ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop'] as const;

/** appends "KIND MOUNT-NS" to log and keeps the state it read in log.KIND.json */
function logHook(kind: string, log: string) {
  return { path: '/bin/sh', args: ['sh', '-c', `cat > ${log}.${kind}.json; echo ${kind} $(readlink /proc/self/ns/mnt) >> ${log}`] };
}

describe.skipIf(!isRoot)('hooks (root, real containers)', () => {
  let root: TempDir;
  let logs: TempDir;
  let bundle: TempDir & { spec: any };
  let log: string;
  let lines: string[][] = [];
  const lifecycle: string[][] = [];
  const state = (kind: string) => JSON.parse(readFileSync(`${log}.${kind}.json`, 'utf8'));
  const logged = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')) : []);

  beforeAll(() => {
    root = tempStateRoot();
    logs = tempDir();
    log = join(logs.path, 'hooks.log');
    bundle = tempBundle({
      args: ['true'],
      edit: (s) => {
        s.annotations = { 'org.example.key': 'value' };
        s.hooks = Object.fromEntries(HOST_KINDS.map((k) => [k, [logHook(k, log)]]));
        // inside the container after pivot_root: only its own files are visible (the root is read-only)
        s.mounts.push({ destination: '/hooklog', type: 'bind', source: logs.path, options: ['rbind', 'rw'] });
        s.hooks.startContainer = [logHook('startContainer', '/hooklog/inside.log')];
      },
    });
    for (const command of [['create', '--bundle', bundle.path, ID], ['start', ID], ['delete', '--force', ID]]) {
      const r = wrunc(command, { root: root.path });
      expect(r.stderr).toBe('');
      lifecycle.push([command[0], ...logged().map((l) => l[0])]);
    }
    lines = logged();
  });

  afterAll(() => {
    wrunc(['delete', '--force', ID], { root: root.path });
    wrunc(['delete', '--force', FAILING], { root: root.path });
    expect(stateDirs(root.path)).toEqual([]);
    for (const d of [root, logs, bundle]) d.cleanup();
  });

  it('fire in order at their lifecycle points', () => {
    expect(lifecycle).toEqual([
      ['create', 'prestart', 'createRuntime', 'createContainer'],
      ['start', 'prestart', 'createRuntime', 'createContainer', 'poststart'],
      ['delete', 'prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop'],
    ]);
    expect(readFileSync(join(logs.path, 'inside.log'), 'utf8')).toMatch(/^startContainer mnt:\[\d+\]\n$/);
  });

  it('runtime hooks run in the runtime\'s mount namespace, createContainer in the container\'s', () => {
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    const ns = Object.fromEntries(lines.map(([k, n]) => [k, n]));
    for (const k of ['prestart', 'createRuntime', 'poststart', 'poststop']) expect(ns[k]).toBe(hostMnt);
    expect(ns.createContainer).not.toBe(hostMnt);
    expect(readFileSync(join(logs.path, 'inside.log'), 'utf8')).toContain(ns.createContainer);
  });

  it('read the state on stdin', () => {
    for (const k of HOST_KINDS) {
      expect(state(k)).toMatchObject({ id: ID, bundle: bundle.path, annotations: { 'org.example.key': 'value' } });
    }
    expect(state('createRuntime')).toMatchObject({ status: 'creating', pid: expect.any(Number) });
    expect(state('createContainer')).toMatchObject({ status: 'creating', pid: state('createRuntime').pid });
    expect(state('poststart')).toMatchObject({ status: 'running', pid: state('createRuntime').pid });
    expect(state('poststop').status).toBe('stopped');
    const inside = JSON.parse(readFileSync(join(logs.path, 'inside.log.startContainer.json'), 'utf8'));
    expect(inside).toMatchObject({ id: ID, status: 'created', pid: state('createRuntime').pid });
  });

  it('a failing createRuntime hook fails create with one line and leaves nothing behind', () => {
    const failing = tempBundle({
      args: ['true'],
      edit: (s) => { s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo no way >&2; exit 3'] }] }; },
    });
    try {
      const r = wrunc(['create', '--bundle', failing.path, FAILING], { root: root.path });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^wrunc: hook\.failed: createRuntime hook 0 \(\/bin\/sh\) exited with status 3: no way \(at \/hooks\/createRuntime\/0\)\n$/);
      expect(leftovers({ root: root.path, id: FAILING, bundle: failing.path })).toEqual([]);
    } finally {
      failing.cleanup();
    }
  });
});
