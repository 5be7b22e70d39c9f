// process.terminal: pseudo-terminals, --console-socket fd passing, and the host side of an
// interactive container (raw mode, window size, copying bytes between stdio and the pty master).
//
// As runc does it: the init stage opens the pty inside the container (its /dev/ptmx), sizes it
// from process.consoleSize, sends the master over the console socket with SCM_RIGHTS (payload:
// the master's name, "/dev/ptmx", what runc sends) and makes the slave its stdio. Whoever holds
// the master (a --console-socket receiver, or wrunc itself for `run` without one) proxies it.
import { closeSync, constants as fsc, openSync, readSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import tty from 'node:tty';
import { WruncError } from './errors.js';
import {
  F_GETFL, F_SETFL, O_NONBLOCK, accept4, bind, cfmakeraw, connect, errnoText, fcntl, grantpt, ioctl, koffi, listen, posixOpenpt, ptsnameR,
  recvmsg, sendmsg, socket, socketpair, tcgetattr, tcsetattr, unlockpt,
} from './ffi.js';

const O_CLOEXEC = 0o2000000;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TCSANOW = 0;
/** glibc's struct termios is 60 bytes on Linux; a little slack costs nothing */
const TERMIOS_SIZE = 64;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CTRUNC = 0x8;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_NOSIGNAL = 0x4000;
const F_DUPFD_CLOEXEC = 1030;
/** CMSG_SPACE(sizeof(int)) on LP64: 16-byte header + 4 bytes of fd, padded to 8 */
const CMSG_SPACE_FD = 24;
const CMSG_LEN_FD = 20;
const SUN_PATH_MAX = 108;

/** the payload runc sends with the master: the name of the file it opened */
export const PTMX_NAME = '/dev/ptmx';

/** a WruncError for the libc call that just failed, naming errno */
function sysError(code: string, what: string): WruncError {
  return new WruncError(code, `${what}: ${errnoText()}`, '/process/terminal');
}

export interface Pty {
  master: number;
  slave: number;
  /** /dev/pts/N, as the slave is named in the devpts the pty came from */
  slaveName: string;
}

export interface WinSize {
  rows: number;
  cols: number;
}

/** Opens a new pty pair from /dev/ptmx; both fds are close-on-exec (dup the slave onto 0-2 to use it). */
export function openPty(size?: WinSize): Pty {
  const master = posixOpenpt(fsc.O_RDWR | fsc.O_NOCTTY | O_CLOEXEC);
  if (master < 0) throw sysError('terminal.openpt', 'posix_openpt');
  try {
    if (grantpt(master) < 0) throw sysError('terminal.openpt', 'grantpt');
    if (unlockpt(master) < 0) throw sysError('terminal.openpt', 'unlockpt');
    const slaveName = ptsName(master);
    // Node opens with O_CLOEXEC; O_NOCTTY so that opening it never steals a controlling tty
    const slave = openSync(slaveName, fsc.O_RDWR | fsc.O_NOCTTY);
    if (size) setWinsize(master, size);
    return { master, slave, slaveName };
  } catch (e) {
    closeSync(master);
    if (e instanceof WruncError) throw e;
    throw new WruncError('terminal.openpt', `opening the pty slave: ${(e as Error).message}`, '/process/terminal');
  }
}

/** The slave's path for a master fd (ptsname_r). */
export function ptsName(master: number): string {
  const buf = Buffer.alloc(128);
  const rc = ptsnameR(master, buf, buf.length);
  if (rc !== 0) {
    koffi.errno(rc);
    throw sysError('terminal.ptsname', 'ptsname_r');
  }
  return buf.subarray(0, buf.indexOf(0)).toString();
}

export function getWinsize(fd: number): WinSize {
  const ws = Buffer.alloc(8);
  if (ioctl(fd, TIOCGWINSZ, 'uint8_t *', ws) < 0) throw sysError('terminal.winsize', 'ioctl(TIOCGWINSZ)');
  return { rows: ws.readUInt16LE(0), cols: ws.readUInt16LE(2) };
}

export function setWinsize(fd: number, size: WinSize): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(size.rows, 0);
  ws.writeUInt16LE(size.cols, 2);
  if (ioctl(fd, TIOCSWINSZ, 'uint8_t *', ws) < 0) throw sysError('terminal.winsize', 'ioctl(TIOCSWINSZ)');
}

/** our stdin's window size when it is a terminal: what a pty wrunc holds itself should start with */
export function hostWinsize(): WinSize | null {
  return tty.isatty(0) ? getWinsize(0) : null;
}

/**
 * Copies the window size of `from` (the host's tty) to `to` (the pty master) now and on every
 * SIGWINCH. Returns the function that stops following.
 */
export function followWinsize(from: number, to: number): () => void {
  const copy = () => setWinsize(to, getWinsize(from));
  copy();
  const onWinch = () => {
    try {
      copy();
    } catch {
      // the host terminal or the pty went away between the signal and the copy
    }
  };
  process.on('SIGWINCH', onWinch);
  return () => process.off('SIGWINCH', onWinch);
}

/** Puts a terminal in raw mode (cfmakeraw) and returns the function that restores its settings. */
export function setRaw(fd: number): () => void {
  const saved = Buffer.alloc(TERMIOS_SIZE);
  if (tcgetattr(fd, saved) < 0) throw sysError('terminal.termios', 'tcgetattr');
  const raw = Buffer.from(saved);
  cfmakeraw(raw);
  if (tcsetattr(fd, TCSANOW, raw) < 0) throw sysError('terminal.termios', 'tcsetattr');
  return () => {
    if (tcsetattr(fd, TCSANOW, saved) < 0) throw sysError('terminal.termios', 'tcsetattr (restore)');
  };
}

function sockaddrUn(path: string): Buffer {
  const p = Buffer.from(path);
  if (p.length >= SUN_PATH_MAX) {
    throw new WruncError('terminal.socket', `socket path is ${p.length} bytes, longer than a unix socket allows (${SUN_PATH_MAX - 1}): ${path}`);
  }
  const addr = Buffer.alloc(2 + p.length + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  p.copy(addr, 2);
  return addr;
}

function unixSocket(): number {
  const fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError('terminal.socket', 'socket(AF_UNIX)');
  return fd;
}

/** Sends `fd` over a connected unix socket with SCM_RIGHTS, `name` as the message bytes. */
export function sendFdOver(sock: number, fd: number, name: string = PTMX_NAME): void {
  const payload = Buffer.from(name);
  const control = Buffer.alloc(CMSG_SPACE_FD);
  control.writeBigUInt64LE(BigInt(CMSG_LEN_FD), 0);
  control.writeInt32LE(SOL_SOCKET, 8);
  control.writeInt32LE(SCM_RIGHTS, 12);
  control.writeInt32LE(fd, 16);
  const msg = {
    msg_name: null,
    msg_namelen: 0,
    msg_iov: [{ iov_base: payload, iov_len: payload.length }],
    msg_iovlen: 1,
    msg_control: control,
    msg_controllen: control.length,
    msg_flags: 0,
  };
  if (sendmsg(sock, msg, MSG_NOSIGNAL) < 0) throw sysError('terminal.sendmsg', 'sendmsg(SCM_RIGHTS)');
}

/** --console-socket: connects to the unix socket at socketPath and sends the pty master (runc's protocol). */
export function sendFd(socketPath: string, fd: number, name: string = PTMX_NAME): void {
  const sock = unixSocket();
  try {
    const addr = sockaddrUn(socketPath);
    if (connect(sock, addr, addr.length) < 0) throw sysError('terminal.socket', `connect(${socketPath})`);
    sendFdOver(sock, fd, name);
  } finally {
    closeSync(sock);
  }
}

/** Receives one fd sent with SCM_RIGHTS (blocking); the fd is close-on-exec. */
export function recvFd(sock: number): { fd: number; name: string } {
  const data = Buffer.alloc(4096);
  const control = Buffer.alloc(CMSG_SPACE_FD);
  const msg = {
    msg_name: null,
    msg_namelen: 0,
    msg_iov: [{ iov_base: data, iov_len: data.length }],
    msg_iovlen: 1,
    msg_control: control,
    msg_controllen: control.length,
    msg_flags: 0,
  };
  const n = Number(recvmsg(sock, msg, MSG_CMSG_CLOEXEC));
  if (n < 0) throw sysError('terminal.recvmsg', 'recvmsg');
  if (msg.msg_flags & MSG_CTRUNC) throw new WruncError('terminal.recvmsg', 'recvmsg: control data truncated (more than one fd sent)');
  const level = control.readInt32LE(8);
  const type = control.readInt32LE(12);
  if (control.readBigUInt64LE(0) !== BigInt(CMSG_LEN_FD) || level !== SOL_SOCKET || type !== SCM_RIGHTS) {
    throw new WruncError('terminal.no-fd', `recvmsg: no file descriptor in the message (${n} bytes received)`);
  }
  return { fd: control.readInt32LE(16), name: data.subarray(0, n).toString() };
}

/** A listening unix socket at `path` (close-on-exec), as a --console-socket receiver makes one. */
export function listenUnix(path: string, backlog = 1): number {
  const sock = unixSocket();
  try {
    const addr = sockaddrUn(path);
    if (bind(sock, addr, addr.length) < 0) throw sysError('terminal.socket', `bind(${path})`);
    if (listen(sock, backlog) < 0) throw sysError('terminal.socket', `listen(${path})`);
    return sock;
  } catch (e) {
    closeSync(sock);
    throw e;
  }
}

/** A connected pair of unix stream sockets, both close-on-exec: [ours, theirs]. */
export function socketPair(): [number, number] {
  const sv = Buffer.alloc(8);
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw sysError('terminal.socket', 'socketpair(AF_UNIX)');
  return [sv.readInt32LE(0), sv.readInt32LE(4)];
}

/** Accepts one connection (blocking); the new fd is close-on-exec. */
export function acceptUnix(listenFd: number): number {
  const fd = accept4(listenFd, null, null, SOCK_CLOEXEC);
  if (fd < 0) throw sysError('terminal.socket', 'accept4');
  return fd;
}

export interface TerminalProxy {
  /** resolves once the pty has no slave left (the container exited) and its output was copied */
  done: Promise<void>;
  /** stops copying at once and closes the master */
  stop(): void;
}

/**
 * Copies input to the pty master and the master's output to `output` until every slave fd is
 * closed. Takes ownership of `master` (it is closed at the end). Defaults: process.stdin/stdout;
 * put a tty stdin in raw mode with setRaw(0) first, and restore it after `done`.
 */
export function proxy(master: number, io: { input?: Readable; output?: Writable } = {}): TerminalProxy {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  // two libuv tty handles (nonblocking, event-driven) need two fds for the one master
  const writeFd = fcntl(master, F_DUPFD_CLOEXEC, 3);
  if (writeFd < 0) throw sysError('terminal.proxy', 'fcntl(F_DUPFD_CLOEXEC)');
  const fromPty = new tty.ReadStream(master);
  const toPty = new tty.WriteStream(writeFd);
  const onInput = (chunk: Buffer | string) => toPty.write(chunk);
  input.on('data', onInput);
  input.resume();

  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    input.off('data', onInput);
    input.pause();
    // what the program wrote is in the kernel's buffer already: take it before closing, or a
    // stop that wins the race against libuv's next poll (a timer runs first) would drop it
    drainNow(master, output);
    fromPty.destroy();
    toPty.destroy();
    finish();
  };

  fromPty.on('data', (chunk: Buffer) => output.write(chunk));
  // once the last slave fd is closed, reading the master fails with EIO: that is the end
  fromPty.on('error', stop);
  fromPty.on('end', stop);
  toPty.on('error', () => {});
  return { done, stop };
}

/** reads the master until it is empty (EAGAIN) or closed (EIO), never blocking */
function drainNow(master: number, output: Writable): void {
  const flags = fcntl(master, F_GETFL, 0);
  if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0) return;
  const buf = Buffer.allocUnsafe(65536);
  for (;;) {
    let n = 0;
    try {
      n = readSync(master, buf);
    } catch {
      return;
    }
    if (n <= 0) return;
    output.write(Buffer.from(buf.subarray(0, n)));
  }
}

/** How long output may still drain from the master after the container's program exited. */
const DRAIN_AFTER_EXIT_MS = 500;

/**
 * wrunc itself holds the pty master (run or exec with a terminal, in the foreground): our stdin
 * goes raw and the pty follows our window size when stdin is a terminal, bytes are copied both
 * ways, and finish() (once the program has exited) drains the output and restores our terminal.
 */
export function attachTerminal(master: number): { finish(): Promise<void> } {
  const interactive = tty.isatty(0);
  const restore = interactive ? setRaw(0) : null;
  const unfollow = interactive ? followWinsize(0, master) : null;
  const p = proxy(master);
  return {
    async finish() {
      await Promise.race([p.done, new Promise((r) => setTimeout(r, DRAIN_AFTER_EXIT_MS).unref())]);
      p.stop();
      unfollow?.();
      restore?.();
    },
  };
}
