// linux.seccomp end to end: a rule that makes mkdir fail with EPERM, a default action with an
// allow list, and a rule with an argument condition; exec'd processes get the same filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, wrunc, type TempDir } from './helpers.js';
import { stateDirs } from './leftovers.js';

const EACCES = 13;
const DETACHED = `seccomp-exec-${process.pid}`;
// what busybox sh, echo, cat and mkdir need, statically linked, on x86_64 and arm64
const BUSYBOX_SYSCALLS = [
  'execve', 'brk', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'mmap', 'munmap', 'mprotect',
  'readlink', 'readlinkat', 'getrandom', 'uname', 'getuid', 'geteuid', 'getgid', 'getegid', 'getpid', 'getppid', 'gettid',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'read', 'write', 'writev', 'open', 'openat', 'close',
  'fstat', 'newfstatat', 'stat', 'lstat', 'statx', 'fcntl', 'dup2', 'dup3', 'ioctl', 'lseek', 'getcwd', 'chdir',
  'access', 'faccessat', 'faccessat2', 'fork', 'vfork', 'clone', 'clone3', 'wait4', 'exit', 'exit_group', 'futex',
  'umask', 'getdents64', 'sysinfo', 'poll', 'ppoll', 'pselect6', 'chmod', 'fchmodat',
];

describe.skipIf(!isRoot)('seccomp (root, real containers)', () => {
  let root: TempDir;
  const bundles: TempDir[] = [];
  const run = (id: string, seccomp: object, script: string) => {
    const b = tempBundle({ args: ['sh', '-c', script], edit: (s) => { s.linux.seccomp = seccomp; } });
    bundles.push(b);
    return wrunc(['run', '--bundle', b.path, id], { root: root.path });
  };

  beforeAll(() => {
    root = tempStateRoot();
  });

  afterAll(() => {
    wrunc(['delete', '--force', DETACHED], { root: root.path });
    expect(stateDirs(root.path)).toEqual([]);
    for (const d of [root, ...bundles]) d.cleanup();
  });

  it('a rule makes mkdir fail with EPERM and leaves the rest alone', () => {
    const r = run(`seccomp-rule-${process.pid}`, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
    }, 'mkdir /dev/shm/x; echo status=$?');
    expect(r.stdout).toBe('status=1\n');
    expect(r.stderr).toContain('Operation not permitted');
    expect(r.status).toBe(0);
  });

  it('the default action answers every syscall not allowed, with defaultErrnoRet', () => {
    const r = run(`seccomp-default-${process.pid}`, {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: EACCES,
      syscalls: [{ names: BUSYBOX_SYSCALLS, action: 'SCMP_ACT_ALLOW' }],
    }, 'echo allowed; mkdir /dev/shm/x; echo status=$?');
    expect(r.stdout).toBe('allowed\nstatus=1\n');
    expect(r.stderr).toContain('Permission denied');
  });

  it('an argument condition matches only the mode it names', () => {
    // chmod, not mkdir: busybox's mkdir -m makes the directory 0777 and then chmods it
    const r = run(`seccomp-arg-${process.pid}`, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0o700, op: 'SCMP_CMP_EQ' }] },
        { names: ['fchmodat'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0o700, op: 'SCMP_CMP_EQ' }] },
      ],
    }, 'touch /dev/shm/f; chmod 700 /dev/shm/f; echo private=$?; chmod 755 /dev/shm/f; echo public=$?');
    expect(r.stdout).toBe('private=1\npublic=0\n');
    expect(r.stderr).toContain('Operation not permitted');
  });

  it('an exec\'d process runs under the container\'s filter', () => {
    const b = tempBundle({
      args: ['sleep', '1000'],
      edit: (s) => { s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }; },
    });
    bundles.push(b);
    expect(wrunc(['run', '--detach', '--bundle', b.path, DETACHED], { root: root.path }).status).toBe(0);
    const r = wrunc(['exec', DETACHED, 'sh', '-c', 'mkdir /dev/shm/x; echo status=$?'], { root: root.path });
    expect(r.stdout).toBe('status=1\n');
    expect(r.stderr).toContain('Operation not permitted');
    expect(wrunc(['delete', '--force', DETACHED], { root: root.path }).status).toBe(0);
  });
});
