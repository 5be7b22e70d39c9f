// Runs real hook programs (shell scripts in a temp dir) through runHooks.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_POLICY, runHooks, type HookKind, type OciState } from '../host/hooks.js';
import { WruncError } from '../host/errors.js';
import type { PlanHook } from '../host/types.js';

const PATH = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';
const state: OciState = {
  ociVersion: '1.2.0',
  id: 'hooked',
  status: 'created',
  pid: 4242,
  bundle: '/tmp/bundle',
  annotations: { 'org.example.key': 'value' },
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wrunc-hooks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** writes an executable /bin/sh script and returns its path */
function script(body: string): string {
  const p = join(dir, `hook-${n++}.sh`);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const hook = (path: string, o: Partial<PlanHook> = {}): PlanHook => ({ path, args: [path], env: [PATH], timeout: null, ...o });

async function rejection(p: Promise<unknown>): Promise<WruncError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WruncError);
    return e as WruncError;
  }
  throw new Error('expected a rejection');
}

describe('runHooks', () => {
  it('gives the hook the state JSON on stdin', async () => {
    const out = join(dir, 'state.json');
    await runHooks('createRuntime', [hook(script(`cat > ${out}`))], state);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(state);
  });

  it('runs the hooks of a kind in order', async () => {
    const out = join(dir, 'order');
    await runHooks('prestart', [hook(script(`echo one >> ${out}`)), hook(script(`echo two >> ${out}`))], state);
    expect(readFileSync(out, 'utf8')).toBe('one\ntwo\n');
  });

  it('passes args with args[0] as argv0, and exactly the env given', async () => {
    const argvOut = join(dir, 'argv');
    const envOut = join(dir, 'env');
    // the shell's own /proc/PID/cmdline is the argv the runtime passed, argv0 included
    await runHooks('poststart', [{
      path: '/bin/sh',
      args: ['hook-argv0', '-c', `cat /proc/$$/cmdline > ${argvOut}; echo "|$FOO|\${HOME-unset}|" > ${envOut}`, 'x'],
      env: [PATH, 'FOO=bar baz'],
      timeout: null,
    }], state);
    const argv = readFileSync(argvOut, 'utf8').split('\0');
    expect(argv[0]).toBe('hook-argv0');
    expect(argv[1]).toBe('-c');
    expect(argv[3]).toBe('x');
    expect(readFileSync(envOut, 'utf8')).toBe('|bar baz|unset|\n');
  });

  it('inherits the runtime\'s environment when the spec gives no env (null), as runc', async () => {
    const envOut = join(dir, 'env-inherited');
    process.env.WRUNC_HOOK_PROBE = 'inherited';
    try {
      await runHooks('poststart', [hook(script(`echo "|$WRUNC_HOOK_PROBE|" > ${envOut}`), { env: null })], state);
    } finally {
      delete process.env.WRUNC_HOOK_PROBE;
    }
    expect(readFileSync(envOut, 'utf8')).toBe('|inherited|\n');
  });

  it('fails with hook.failed naming the kind and index, with the last stderr line', async () => {
    const ok = hook(script('exit 0'));
    const bad = hook(script('echo "first line" >&2; echo "the real reason" >&2; exit 3'));
    const e = await rejection(runHooks('createContainer', [ok, bad], state));
    expect(e.code).toBe('hook.failed');
    expect(e.path).toBe('/hooks/createContainer/1');
    expect(e.message).toContain('status 3');
    expect(e.message).toContain('the real reason');
    expect(e.message).not.toContain('first line');
  });

  it('stops at the first failure of a destroy kind', async () => {
    const marker = join(dir, 'not-reached');
    const e = await rejection(runHooks('prestart', [hook(script('exit 1')), hook(script(`touch ${marker}`))], state));
    expect(e.path).toBe('/hooks/prestart/0');
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a hook (and what it started) when its timeout expires', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    const started = Date.now();
    const e = await rejection(runHooks('startContainer', [hook(script(`sleep 30 & echo $! > ${pidFile}; wait`), { timeout: 1 })], state));
    expect(e.code).toBe('hook.timeout');
    expect(e.path).toBe('/hooks/startContainer/0');
    expect(Date.now() - started).toBeLessThan(5000);
    // dead: gone, or a zombie until whoever inherited it reaps it (its exit may still be under way)
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    const dead = () => {
      try {
        return / Z /.test(readFileSync(`/proc/${sleeper}/stat`, 'utf8'));
      } catch {
        return true;
      }
    };
    await expect.poll(dead, { timeout: 2000 }).toBe(true);
  });

  it('reports a hook that cannot be executed', async () => {
    const e = await rejection(runHooks('createRuntime', [hook(join(dir, 'missing'))], state));
    expect(e.code).toBe('hook.failed');
    expect(e.message).toContain('ENOENT');
  });

  it('a hook that ignores stdin is not a failure', async () => {
    await expect(runHooks('createRuntime', [hook(script('exit 0'))], { ...state, annotations: { big: 'x'.repeat(1 << 20) } })).resolves.toEqual([]);
  });

  it('warn kinds run every hook, report failures as warnings and resolve', async () => {
    const marker = join(dir, 'reached');
    const seen: WruncError[] = [];
    const warnings = await runHooks('poststop', [hook(script('echo gone >&2; exit 2')), hook(script(`touch ${marker}`))], state, { warn: (w) => seen.push(w) });
    expect(existsSync(marker)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(seen).toEqual(warnings);
    expect(warnings[0]).toMatchObject({ code: 'hook.failed', path: '/hooks/poststop/0' });
    expect(warnings[0].message).toContain('gone');
  });
});

describe('HOOK_POLICY', () => {
  it('states the spec failure rule for every kind', () => {
    const destroy: HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer'];
    const warn: HookKind[] = ['poststart', 'poststop'];
    for (const k of destroy) expect(HOOK_POLICY[k].onFailure).toBe('destroy');
    for (const k of warn) expect(HOOK_POLICY[k].onFailure).toBe('warn');
    expect(Object.keys(HOOK_POLICY).sort()).toEqual([...destroy, ...warn].sort());
    expect(HOOK_POLICY.createContainer.namespace).toBe('container');
    expect(HOOK_POLICY.startContainer.namespace).toBe('container');
  });
});
