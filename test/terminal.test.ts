// Real ptys from /dev/ptmx, a real unix socket for --console-socket, stty and sh on the slave side.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, readSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WruncError } from '../host/errors.js';
import {
  PTMX_NAME, acceptUnix, followWinsize, getWinsize, listenUnix, openPty, proxy, ptsName, recvFd, sendFd, setRaw, setWinsize, type Pty,
} from '../host/terminal.js';

let dir: string;
const open: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wrunc-tty-'));
});
afterAll(() => {
  for (const fd of open) {
    try {
      closeSync(fd);
    } catch {
      // already closed by the test
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function pty(size?: { rows: number; cols: number }): Pty {
  const p = openPty(size);
  open.push(p.master, p.slave);
  return p;
}

function readSome(fd: number): string {
  const buf = Buffer.alloc(4096);
  return buf.subarray(0, readSync(fd, buf)).toString();
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WruncError);
    return (e as WruncError).code;
  }
  return 'no error';
}

describe('openPty', () => {
  it('gives a working pair: slave writes reach the master, master writes reach the slave', () => {
    const p = pty();
    expect(p.slaveName).toMatch(/^\/dev\/pts\/\d+$/);
    expect(isatty(p.master)).toBe(true);
    expect(isatty(p.slave)).toBe(true);
    expect(ptsName(p.master)).toBe(p.slaveName);

    writeSync(p.slave, 'from the container\n');
    // the line discipline's ONLCR turns \n into \r\n on the way out
    expect(readSome(p.master)).toBe('from the container\r\n');

    writeSync(p.master, 'typed\n');
    expect(readSome(p.slave)).toBe('typed\n');
  });

  it('sets the initial size (process.consoleSize) and reads back what is set', () => {
    const p = pty({ rows: 24, cols: 80 });
    expect(getWinsize(p.slave)).toEqual({ rows: 24, cols: 80 });
    setWinsize(p.master, { rows: 50, cols: 132 });
    expect(getWinsize(p.slave)).toEqual({ rows: 50, cols: 132 });
  });

  it('reports terminal ioctls on a non-tty as terminal.winsize', () => {
    const sock = listenUnix(join(dir, 'not-a-tty.sock'));
    expect(codeOf(() => getWinsize(sock))).toBe('terminal.winsize');
    closeSync(sock);
  });
});

describe('followWinsize', () => {
  it('copies the host size now and again on SIGWINCH until stopped', async () => {
    const host = pty({ rows: 30, cols: 100 });
    const container = pty({ rows: 1, cols: 1 });
    const stop = followWinsize(host.slave, container.master);
    expect(getWinsize(container.slave)).toEqual({ rows: 30, cols: 100 });

    setWinsize(host.master, { rows: 40, cols: 120 });
    process.kill(process.pid, 'SIGWINCH');
    await expect.poll(() => getWinsize(container.slave)).toEqual({ rows: 40, cols: 120 });

    stop();
    setWinsize(host.master, { rows: 10, cols: 10 });
    process.kill(process.pid, 'SIGWINCH');
    await new Promise((r) => setTimeout(r, 100));
    expect(getWinsize(container.slave)).toEqual({ rows: 40, cols: 120 });
  });
});

describe('setRaw', () => {
  it('switches off canonical mode, echo and output processing, and restores them', () => {
    const p = pty();
    const stty = () => execFileSync('stty', ['-F', p.slaveName, '-a'], { encoding: 'utf8' });
    expect(stty()).toMatch(/(^|\s)icanon(\s|$)/);
    expect(stty()).toMatch(/(^|\s)echo(\s|$)/);
    const restore = setRaw(p.slave);
    const raw = stty();
    expect(raw).toMatch(/-icanon/);
    expect(raw).toMatch(/-echo(\s|$)/);
    expect(raw).toMatch(/-opost/);
    restore();
    expect(stty()).toMatch(/(^|\s)icanon(\s|$)/);
    expect(stty()).toMatch(/(^|\s)opost(\s|$)/);
  });
});

describe('console socket (SCM_RIGHTS)', () => {
  it('delivers a working pty master with runc\'s payload', () => {
    const path = join(dir, 'console.sock');
    const server = listenUnix(path);
    open.push(server);
    const p = pty();
    // connect succeeds against the backlog, so sending before accept() is fine in one process
    sendFd(path, p.master);
    const conn = acceptUnix(server);
    open.push(conn);
    const got = recvFd(conn);
    open.push(got.fd);
    expect(got.name).toBe(PTMX_NAME);
    expect(got.fd).not.toBe(p.master);

    // the received fd must work on its own
    closeSync(p.master);
    open.splice(open.indexOf(p.master), 1);
    expect(isatty(got.fd)).toBe(true);
    expect(ptsName(got.fd)).toBe(p.slaveName);
    writeSync(p.slave, 'through the socket\n');
    expect(readSome(got.fd)).toBe('through the socket\r\n');
    setWinsize(got.fd, { rows: 33, cols: 77 });
    expect(getWinsize(p.slave)).toEqual({ rows: 33, cols: 77 });
  });

  it('fails with terminal.socket when nobody listens', () => {
    const p = pty();
    expect(codeOf(() => sendFd(join(dir, 'nobody.sock'), p.master))).toBe('terminal.socket');
    expect(codeOf(() => sendFd(`/${'x'.repeat(120)}`, p.master))).toBe('terminal.socket');
  });

  it('says terminal.no-fd when a message carries no descriptor', async () => {
    const path = join(dir, 'plain.sock');
    const server = listenUnix(path);
    open.push(server);
    await new Promise<void>((resolve, reject) => {
      const client = connect(path, () => client.end('just bytes', resolve));
      client.on('error', reject);
    });
    const conn = acceptUnix(server);
    open.push(conn);
    expect(codeOf(() => recvFd(conn))).toBe('terminal.no-fd');
  });
});

describe('proxy', () => {
  it('copies input to the container and its output back until the container exits', async () => {
    const p = openPty();
    const child = spawn('/bin/sh', ['-c', 'read line; echo "got:$line"; exit 7'], { stdio: [p.slave, p.slave, p.slave] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // only the container may hold the slave, or the master never sees the end
    closeSync(p.slave);

    const input = new PassThrough();
    let seen = '';
    const output = new Writable({
      write(chunk, _enc, cb) {
        seen += chunk.toString();
        cb();
      },
    });
    const px = proxy(p.master, { input, output });
    input.write('hello\n');
    await px.done;
    expect(await exited).toBe(7);
    expect(seen).toContain('got:hello\r\n');
    // input is no longer read once the proxy is done
    expect(input.isPaused()).toBe(true);
  });

  it('stop() keeps what the program already wrote, even before the event loop read it', async () => {
    const p = openPty();
    writeSync(p.slave, 'last words\n');
    closeSync(p.slave);
    let seen = '';
    const output = new Writable({
      write(chunk, _enc, cb) {
        seen += chunk.toString();
        cb();
      },
    });
    // as when the after-exit timer fires before libuv's next poll: no turn of the loop in between
    const px = proxy(p.master, { input: new PassThrough(), output });
    px.stop();
    await px.done;
    expect(seen).toBe('last words\r\n');
  });

  it('stop() ends it early and closes the master', async () => {
    const p = openPty();
    const px = proxy(p.master, { input: new PassThrough(), output: new PassThrough() });
    px.stop();
    await px.done;
    await new Promise((r) => setTimeout(r, 50));
    expect(isatty(p.master)).toBe(false);
    closeSync(p.slave);
  });
});
