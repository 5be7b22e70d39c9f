// Loads real filters in child Node processes (a filter cannot be removed, so never in the test
// process) and checks what the kernel then does to syscalls. The child is a small entry bundled
// with esbuild from this file's source string; it calls libc directly to see raw errno values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSeccomp, type OciSeccomp } from '../host/seccomp.js';
import { WruncError } from '../host/errors.js';

const REPO = resolve(import.meta.dirname, '..');
const EPERM = 1;
const EOPNOTSUPP = 95;
const AF_UNIX = 1;
const AF_INET = 2;

const CHILD = `
import koffi from 'koffi';
import { readFileSync, readdirSync } from 'node:fs';
import { installSeccomp } from './seccomp.ts';

const libc = koffi.load('libc.so.6');
const mkdir = libc.func('int mkdir(const char *path, uint32_t mode)');
const mkdirat = libc.func('int mkdirat(int dirfd, const char *path, uint32_t mode)');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const close = libc.func('int close(int fd)');
const getppid = libc.func('int getppid(void)');
const AT_FDCWD = -100;

const { profile, dir } = JSON.parse(process.argv[2]);
const errnoOf = (rc) => (rc < 0 ? koffi.errno() : 0);
const seccompField = (statusPath) => /^Seccomp:\\s+(\\d)/m.exec(readFileSync(statusPath, 'utf8'))[1];
try {
  installSeccomp(profile);
} catch (e) {
  console.log(JSON.stringify({ error: e.code, message: e.message }));
  process.exit(0);
}
const sock = (domain) => { const fd = socket(domain, 1, 0); const e = errnoOf(fd); if (fd >= 0) close(fd); return e; };
const out = {
  mkdir: errnoOf(mkdir(dir + '/a', 0o755)),
  mkdirat: errnoOf(mkdirat(AT_FDCWD, dir + '/b', 0o755)),
  socketInet: sock(${AF_INET}),
  socketUnix: sock(${AF_UNIX}),
  noNewPrivs: /^NoNewPrivs:\\s+(\\d)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1],
  main: seccompField('/proc/self/status'),
  threads: readdirSync('/proc/self/task').map((t) => seccompField('/proc/self/task/' + t + '/status')),
};
if (process.argv[3] === 'getppid') getppid();
console.log(JSON.stringify(out));
`;

let work: string;
let entry: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wrunc-seccomp-'));
  entry = join(work, 'child.cjs');
  // CJS output so that NODE_PATH finds the repository's koffi from the temp directory
  await build({
    stdin: { contents: CHILD, resolveDir: join(REPO, 'host'), loader: 'ts', sourcefile: 'seccomp-child.ts' },
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['koffi'],
    logLevel: 'error',
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ChildResult {
  error?: string;
  message?: string;
  mkdir: number;
  mkdirat: number;
  socketInet: number;
  socketUnix: number;
  noNewPrivs: string;
  main: string;
  threads: string[];
}

function runChild(profile: OciSeccomp, extra: string[] = []) {
  const dir = mkdtempSync(join(work, 'd-'));
  const r = spawnSync(process.execPath, [entry, JSON.stringify({ profile, dir }), ...extra], {
    env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, signal: r.signal, stderr: r.stderr, result: line ? (JSON.parse(line) as ChildResult) : null };
}

function expectOk(r: ReturnType<typeof runChild>): ChildResult {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.result?.error).toBeUndefined();
  return r.result as ChildResult;
}

/** every syscall name the x86_64 kernel headers know: an allowlist that keeps Node alive */
function allX8664Syscalls(): string[] {
  const h = readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
  return [...h.matchAll(/^#define __NR_(\w+) \d+$/gm)].map((m) => m[1]);
}

describe('installSeccomp in a real process', () => {
  it('without a filter, mkdir and sockets work (baseline for the tests below)', () => {
    const r = expectOk(runChild({ defaultAction: 'SCMP_ACT_ALLOW' }));
    expect(r).toMatchObject({ mkdir: 0, mkdirat: 0, socketInet: 0, socketUnix: 0, main: '2' });
  });

  it('SCMP_ACT_ERRNO without errnoRet fails mkdir and mkdirat with EPERM; unknown names are ignored', () => {
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['mkdir', 'mkdirat', 'no_such_syscall_42'], action: 'SCMP_ACT_ERRNO' }],
    }));
    expect(r.mkdir).toBe(EPERM);
    expect(r.mkdirat).toBe(EPERM);
    expect(r.socketInet).toBe(0);
    // libseccomp's own PR_SET_NO_NEW_PRIVS is off: that is process.noNewPrivileges' job
    expect(r.noNewPrivs).toBe('0');
  });

  it('errnoRet is returned as the errno', () => {
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: EOPNOTSUPP }],
    }));
    expect(r.mkdir).toBe(EOPNOTSUPP);
    expect(r.mkdirat).toBe(0);
  });

  it('the default action applies to syscalls no rule allows (defaultErrnoRet)', () => {
    const allowed = allX8664Syscalls().filter((n) => n !== 'mkdir' && n !== 'mkdirat');
    expect(allowed.length).toBeGreaterThan(300);
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: EOPNOTSUPP,
      syscalls: [{ names: allowed, action: 'SCMP_ACT_ALLOW' }],
    }));
    expect(r.mkdir).toBe(EOPNOTSUPP);
    expect(r.mkdirat).toBe(EOPNOTSUPP);
    expect(r.socketUnix).toBe(0);
  });

  it('argument conditions: socket(AF_INET) is refused while socket(AF_UNIX) works', () => {
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: AF_INET, op: 'SCMP_CMP_EQ' }] }],
    }));
    expect(r.socketInet).toBe(EPERM);
    expect(r.socketUnix).toBe(0);
  });

  it('two conditions on one argument are ORed (one rule each, as runc)', () => {
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{
        names: ['socket'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EOPNOTSUPP,
        args: [{ index: 0, value: AF_INET, op: 'SCMP_CMP_EQ' }, { index: 0, value: AF_UNIX, op: 'SCMP_CMP_EQ' }],
      }],
    }));
    expect(r.socketInet).toBe(EOPNOTSUPP);
    expect(r.socketUnix).toBe(EOPNOTSUPP);
  });

  it('MASKED_EQ with a decimal-string value (u64 travels as a string)', () => {
    const r = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      // refuse every domain whose low bit is 0: AF_INET (2) yes, AF_UNIX (1) no
      syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: '1', valueTwo: '0', op: 'SCMP_CMP_MASKED_EQ' }] }],
    }));
    expect(r.socketInet).toBe(EPERM);
    expect(r.socketUnix).toBe(0);
  });

  it('SCMP_ACT_KILL_PROCESS kills the process with SIGSYS', () => {
    const r = runChild({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }] }, ['getppid']);
    expect(r.signal).toBe('SIGSYS');
  });

  it('without TSYNC only the calling thread is filtered; with it every thread is', () => {
    const plain = expectOk(runChild({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
    expect(plain.threads.length).toBeGreaterThan(1);
    expect(plain.main).toBe('2');
    expect(plain.threads.filter((s) => s === '2')).toHaveLength(1);

    const synced = expectOk(runChild({
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    }));
    expect(synced.mkdir).toBe(EPERM);
    expect(synced.threads.length).toBeGreaterThan(1);
    expect(synced.threads.every((s) => s === '2')).toBe(true);
  });

  it('an error is reported before anything is loaded', () => {
    const r = runChild({ defaultAction: 'SCMP_ACT_NOTIFY' });
    expect(r.result?.error).toBe('seccomp.notify-unsupported');
  });
});

describe('compileSeccomp', () => {
  const codeOf = (p: OciSeccomp) => {
    try {
      compileSeccomp(p).release();
    } catch (e) {
      expect(e).toBeInstanceOf(WruncError);
      return { code: (e as WruncError).code, path: (e as WruncError).path };
    }
    return null;
  };

  it('produces BPF that grows with the rules', () => {
    const empty = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' });
    const ruled = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'chmod'], action: 'SCMP_ACT_ERRNO' }] });
    try {
      expect(empty.bpf().length % 8).toBe(0);
      expect(ruled.bpf().length).toBeGreaterThan(empty.bpf().length);
    } finally {
      empty.release();
      ruled.release();
    }
  });

  it('skips a rule that repeats the default action (libseccomp would refuse it)', () => {
    const a = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' });
    const b = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }] });
    try {
      expect(b.bpf()).toEqual(a.bpf());
    } finally {
      a.release();
      b.release();
    }
  });

  it('refuses what it cannot honour, with codes and spec paths', () => {
    expect(codeOf({ defaultAction: 'SCMP_ACT_BOGUS' })).toEqual({ code: 'seccomp.unknown-action', path: '/linux/seccomp/defaultAction' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] }))
      .toEqual({ code: 'seccomp.unknown-arch', path: '/linux/seccomp/architectures/1' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }))
      .toEqual({ code: 'seccomp.flag-unsupported', path: '/linux/seccomp/flags/0' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' })?.code).toBe('seccomp.notify-unsupported');
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }))
      .toEqual({ code: 'seccomp.notify-unsupported', path: '/linux/seccomp/syscalls/0/action' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] }))
      .toEqual({ code: 'seccomp.errno-ret', path: '/linux/seccomp/syscalls/0/action' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ALMOST' }] }] }))
      .toEqual({ code: 'seccomp.unknown-op', path: '/linux/seccomp/syscalls/0/args/0/op' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }))
      .toEqual({ code: 'seccomp.invalid-value', path: '/linux/seccomp/syscalls/0/args/0/value' });
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }))
      .toEqual({ code: 'seccomp.invalid-value', path: '/linux/seccomp/syscalls/0/args/0/index' });
  });

  it('passes libseccomp refusals on as seccomp.libseccomp (an arch of the other byte order)', () => {
    expect(codeOf({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_S390X'] }))
      .toEqual({ code: 'seccomp.libseccomp', path: '/linux/seccomp/architectures/1' });
  });
});
