// koffi bindings to libc, declared once for the whole host. Structs travel as Buffers (the
// callee writes into them in place), which keeps the declarations to plain C prototypes.
// Per-thread calls (capset, prctl, no_new_privs) affect only the calling thread: Node runs JS on
// its main thread, which is also the one that calls execve, so that is the thread that counts.
// The set*id wrappers of glibc apply to every thread.
import type koffiModule from 'koffi';
import { createRequire } from 'node:module';
import { WruncError } from './errors.js';

/**
 * koffi, loaded once for everyone (import it from here). koffi's own loader picks its prebuilt
 * module by reading Node's ELF header (glibc or musl), about 4 ms per process: on glibc Linux the
 * module is loaded directly; anywhere else, or if that fails, through the package.
 */
export const koffi: typeof koffiModule = loadKoffi();
export const libc = koffi.load('libc.so.6');

function loadKoffi(): typeof koffiModule {
  // this file is bundled both as ES module (the CLI, init) and as CommonJS (tests' child processes)
  const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  const { platform, arch } = process;
  try {
    return req(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`);
  } catch {
    return req('koffi');
  }
}

export const mount = libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
export const umount2 = libc.func('int umount2(const char *target, int flags)');
export const chroot = libc.func('int chroot(const char *path)');
export const fchdir = libc.func('int fchdir(int fd)');
export const mknod = libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)');
export const sethostname = libc.func('int sethostname(const char *name, size_t len)');
export const setdomainname = libc.func('int setdomainname(const char *name, size_t len)');
export const prlimit = libc.func('int prlimit(int pid, int resource, const void *newLimit, void *oldLimit)');
export const setresuid = libc.func('int setresuid(uint32_t r, uint32_t e, uint32_t s)');
export const setresgid = libc.func('int setresgid(uint32_t r, uint32_t e, uint32_t s)');
export const setgroups = libc.func('int setgroups(size_t size, const uint32_t *list)');
export const prctl = libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
export const capset = libc.func('int capset(void *header, const void *data)');
export const execve = libc.func('int execve(const char *path, const char **argv, const char **envp)');
export const closeRange = libc.func('int close_range(unsigned int first, unsigned int last, int flags)');
export const statfs = libc.func('int statfs(const char *path, void *buf)');
export const personality = libc.func('int personality(unsigned long persona)');
export const setsid = libc.func('int setsid()');
export const dup2 = libc.func('int dup2(int oldfd, int newfd)');
export const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
// exec: a multithreaded caller may join a mount namespace only with its own fs context, and only
// the calling thread moves (docs/internals.md, exec)
export const setns = libc.func('int setns(int fd, int nstype)');
export const unshare = libc.func('int unshare(int flags)');
// the per-container lock (host/state.ts): released by the kernel when its holder dies
export const flock = libc.func('int flock(int fd, int operation)');

// ptys and unix sockets (host/terminal.ts)
export const posixOpenpt = libc.func('int posix_openpt(int flags)');
export const grantpt = libc.func('int grantpt(int fd)');
export const unlockpt = libc.func('int unlockpt(int fd)');
export const ptsnameR = libc.func('int ptsname_r(int fd, _Out_ uint8_t *buf, size_t len)');
export const tcgetattr = libc.func('int tcgetattr(int fd, _Out_ uint8_t *termios)');
export const tcsetattr = libc.func('int tcsetattr(int fd, int when, const uint8_t *termios)');
export const cfmakeraw = libc.func('void cfmakeraw(_Inout_ uint8_t *termios)');
export const socket = libc.func('int socket(int domain, int type, int protocol)');
export const connect = libc.func('int connect(int fd, const uint8_t *addr, uint32_t len)');
export const bind = libc.func('int bind(int fd, const uint8_t *addr, uint32_t len)');
export const listen = libc.func('int listen(int fd, int backlog)');
export const accept4 = libc.func('int accept4(int fd, void *addr, void *len, int flags)');
export const socketpair = libc.func('int socketpair(int domain, int type, int protocol, void *sv)');
export const iovec = koffi.struct('iovec', { iov_base: 'void *', iov_len: 'size_t' });
export const msghdr = koffi.struct('msghdr', {
  msg_name: 'void *',
  msg_namelen: 'uint32_t',
  msg_iov: koffi.pointer(iovec),
  msg_iovlen: 'size_t',
  msg_control: 'void *',
  msg_controllen: 'size_t',
  msg_flags: 'int',
});
export const sendmsg = libc.func('long sendmsg(int fd, const msghdr *msg, int flags)');
export const recvmsg = libc.func('long recvmsg(int fd, _Inout_ msghdr *msg, int flags)');
const fcntlRaw = libc.func('int fcntl(int fd, int cmd, ...)');
const syscallRaw = libc.func('long syscall(long number, ...)');
const strerror = libc.func('const char *strerror(int errnum)');

/** fcntl with an int argument (F_SETFD, F_SETFL, ...) */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  return fcntlRaw(fd, cmd, 'int', arg);
}

/** ioctl with an int argument (TIOCSCTTY, ...) */
export function ioctlInt(fd: number, request: number, arg = 0): number {
  return ioctl(fd, request, 'int', arg);
}

// syscalls glibc 2.36 has no wrapper for
const NR = process.arch === 'arm64'
  ? { pivot_root: 41, keyctl: 219, mount_setattr: 442 }
  : { pivot_root: 155, keyctl: 250, mount_setattr: 442 };

export function pivotRoot(newRoot: string, putOld: string): number {
  return Number(syscallRaw(NR.pivot_root, 'str', newRoot, 'str', putOld));
}

/** mount_setattr(dirfd, path, flags, attr, size); attr is a struct mount_attr buffer */
export function mountSetattr(dirfd: number, path: string, flags: number, attr: Buffer): number {
  return Number(syscallRaw(NR.mount_setattr, 'int', dirfd, 'str', path, 'uint', flags, 'void *', attr, 'size_t', attr.length));
}

/** keyctl(KEYCTL_JOIN_SESSION_KEYRING, name) */
export function joinSessionKeyring(name: string): number {
  return Number(syscallRaw(NR.keyctl, 'int', 1, 'str', name));
}

export function errno(): number {
  return koffi.errno();
}

/** "Operation not permitted (EPERM)" for the current errno */
export function errnoText(e = koffi.errno()): string {
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === e)?.[0];
  return `${strerror(e)}${name ? ` (${name})` : ''}`;
}

/** throws a WruncError "<what>: <strerror>" when a libc call returned -1 */
export function check(ret: number | bigint, code: string, what: string, path = ''): void {
  if (Number(ret) < 0) throw new WruncError(code, `${what}: ${errnoText()}`, path);
}

export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, REMOUNT: 0x20, NOATIME: 0x400,
  NODIRATIME: 0x800, BIND: 0x1000, MOVE: 0x2000, REC: 0x4000, UNBINDABLE: 0x20000,
  PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000, RELATIME: 0x200000, STRICTATIME: 0x1000000,
} as const;
export const MNT_DETACH = 2;
export const AT_FDCWD = -100;
export const AT_RECURSIVE = 0x8000;
export const O_PATH = 0o10000000;
export const O_NOFOLLOW = 0o400000;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;
export const CLONE_FS = 0x200;
export const CLONE_NEWNS = 0x20000;
export const TIOCSCTTY = 0x540e;
export const CLOSE_RANGE_CLOEXEC = 4;
export const PR = {
  SET_KEEPCAPS: 8, CAPBSET_DROP: 24, SET_NO_NEW_PRIVS: 38, CAP_AMBIENT: 47,
  CAP_AMBIENT_RAISE: 2, CAP_AMBIENT_CLEAR_ALL: 4,
} as const;
