// The command line: parsing (runc's flags and forms), signals, the list table, and `spec`
// byte-for-byte against runc where runc is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globalsOf, parse } from '../host/commands/main.js';
import { parseSignal } from '../host/commands/signals.js';
import { table } from '../host/commands/list.js';
import { defaultSpecFor } from '../host/spec-default.js';
import { WruncError } from '../host/errors.js';

async function parsed(...argv: string[]) {
  const inv = await parse(argv);
  if (!inv) throw new Error('no invocation');
  return { name: inv.def.command.split(' ')[0], args: inv.args, g: globalsOf(inv.args) };
}

async function usageError(...argv: string[]): Promise<WruncError> {
  try {
    await parsed(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(WruncError);
    return e as WruncError;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('parse', () => {
  it('takes runc\'s global flags before the command', async () => {
    const p = await parsed('--root', '/r', '--log', '/l', '--log-format', 'json', '--debug', '--systemd-cgroup', '--rootless', 'true', 'state', 'c1');
    expect(p.name).toBe('state');
    expect(p.args.containerId).toBe('c1');
    expect(p.g).toEqual({ root: '/r', log: '/l', logFormat: 'json', debug: true, systemdCgroup: true, rootless: 'true' });
  });

  it('defaults: rootless auto, text logs, no root', async () => {
    expect((await parsed('list')).g).toEqual({ root: undefined, log: undefined, logFormat: 'text', debug: false, systemdCgroup: false, rootless: 'auto' });
  });

  it('create and run options, --no-pivot as a flag of its own', async () => {
    const c = await parsed('create', '-b', '/b', '--pid-file', '/p', '--no-pivot', '--no-new-keyring', '--console-socket', '/s', '--preserve-fds', '2', 'c');
    expect(c.args).toMatchObject({ bundle: '/b', pidFile: '/p', noPivot: true, noNewKeyring: true, consoleSocket: '/s', preserveFds: 2, containerId: 'c' });
    const r = await parsed('run', '-d', '--keep', 'c');
    expect(r.args).toMatchObject({ detach: true, keep: true, noPivot: false, preserveFds: 0 });
  });

  it('kill defaults to SIGTERM and takes --all; delete takes --force; list its format', async () => {
    expect((await parsed('kill', 'c')).args).toMatchObject({ signal: 'SIGTERM', all: false });
    expect((await parsed('kill', '-a', 'c', 'KILL')).args).toMatchObject({ signal: 'KILL', all: true });
    expect((await parsed('delete', '-f', 'c')).args.force).toBe(true);
    expect((await parsed('list', '-f', 'json', '-q')).args).toMatchObject({ format: 'json', quiet: true });
  });

  it('spec has a boolean --rootless of its own, the global one takes a value', async () => {
    expect((await parsed('spec', '--rootless')).args.rootless).toBe(true);
    expect((await parsed('spec')).args.rootless).toBe(false);
    expect((await parsed('--rootless', 'false', 'list')).g.rootless).toBe('false');
  });

  it('rejects what runc rejects, as one-line usage errors', async () => {
    for (const argv of [['frobnicate'], ['create'], ['list', '--format', 'xml'], ['state', 'a', 'b'], ['--rootless', 'maybe', 'list'], ['list', '--bogus']]) {
      const e = await usageError(...argv);
      expect(e.code).toBe('usage');
      expect(e.line()).not.toContain('\n');
    }
  });

  it('help and version resolve without an invocation', async () => {
    expect(await parse(['--version'])).toBeNull();
  });
});

describe('parseSignal', () => {
  it('takes names with or without SIG, any case, and numbers', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('hup')).toBe(1);
    expect(parseSignal('10')).toBe(10);
    for (const bad of ['NOPE', '0', '65', '-9', '']) expect(() => parseSignal(bad)).toThrow(/unknown signal/);
  });
});

describe('list table', () => {
  it('pads like Go\'s tabwriter (min width 12, padding 3) and leaves the last column bare', () => {
    expect(table([['ID', 'PID', 'OWNER'], ['a-rather-long-id', '1', 'root']])).toBe(
      'ID                 PID         OWNER\n' +
      'a-rather-long-id   1           root\n');
  });
});

describe('spec', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'wrunc-spec-'));
  const hasRunc = spawnSync('runc', ['--version']).status === 0;

  it('the default spec is runc\'s', () => {
    expect(JSON.stringify(defaultSpecFor({ rootless: false, uid: 0, gid: 0 }), null, '\t'))
      .toBe(readFileSync(new URL('../host/default-spec.json', import.meta.url), 'utf8'));
  });

  it('the rootless transform maps the caller, drops network and resources, binds /sys', () => {
    const s = defaultSpecFor({ rootless: true, uid: 1000, gid: 1001 });
    expect(Object.keys(s.linux).slice(0, 2)).toEqual(['uidMappings', 'gidMappings']);
    expect(s.linux.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(s.linux.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
    expect(s.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'user']);
    expect(s.linux.resources).toBeUndefined();
    expect(JSON.stringify(s.mounts)).not.toMatch(/"(gid|uid)=/);
    expect(s.mounts.find((m: { destination: string }) => m.destination === '/sys')).toEqual(
      { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  });

  it.runIf(hasRunc && existsSync(join(__dirname, '..', 'build', 'wrunc.mjs')))('bin/wrunc spec writes what runc spec writes, rootless too', () => {
    for (const flags of [[], ['--rootless']]) {
      const a = dir();
      const b = dir();
      try {
        execFileSync('runc', ['spec', ...flags], { cwd: a });
        execFileSync(join(__dirname, '..', 'bin', 'wrunc'), ['spec', ...flags, '--bundle', b]);
        expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(readFileSync(join(a, 'config.json'), 'utf8'));
      } finally {
        rmSync(a, { recursive: true });
        rmSync(b, { recursive: true });
      }
    }
  });
});

describe.runIf(existsSync(join(__dirname, '..', 'build', 'wrunc.mjs')))('features and explain', () => {
  const wrunc = (...args: string[]) => execFileSync(join(__dirname, '..', 'bin', 'wrunc'), args, { encoding: 'utf8' });

  it('features has runc\'s shape plus the decisions', () => {
    const f = JSON.parse(wrunc('features'));
    expect(Object.keys(f)).toEqual(['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'wrunc']);
    expect(Object.keys(f.linux)).toEqual(['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux']);
    expect(f.wrunc.decisions.stateRoot.value).toEqual(expect.any(String));
  });

  it('explain prints each decision with value and reason; json is the core\'s result', () => {
    const raw = JSON.parse(wrunc('explain', '--format', 'json'));
    expect(raw).toMatchObject({ abi: 1, ok: true, errors: [] });
    const text = wrunc('explain');
    for (const [name, d] of Object.entries(raw.decisions as Record<string, { value: unknown; reason: string }>)) {
      expect(text).toContain(`${name}`);
      expect(text).toContain(d.reason);
    }
    expect(text).toMatch(/^errors: none$/m);
  });
});
