// Terminals on real containers, driven through a pty of the test's own: `run` and `exec -t` in
// the foreground hold the master themselves (the program sees a tty of the outer size, input
// and output pass, a resize follows on SIGWINCH, /dev/console is the pty slave), and
// --console-socket hands a working master to a receiver.
import { spawn } from 'node:child_process';
import { closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import tty from 'node:tty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptUnix, listenUnix, openPty, recvFd, setWinsize, type WinSize } from '../../host/terminal.js';
import { isRoot, tempBundle, tempDir, tempStateRoot, WRUNC, wrunc, type TempDir } from './helpers.js';
import { stateDirs } from './leftovers.js';

const RUN = `term-run-${process.pid}`;
const EXEC = `term-exec-${process.pid}`;
const SOCK = `term-sock-${process.pid}`;

interface Session { status: Promise<number | null>; output(): string; type(text: string): void; resize(size: WinSize): void; done: Promise<void> }

/** bin/wrunc with a new pty's slave as its stdio; the test holds the master */
function onPty(root: string, args: string[], size: WinSize): Session {
  const pty = openPty(size);
  const child = spawn(WRUNC, ['--root', root, ...args], { stdio: [pty.slave, pty.slave, pty.slave] });
  closeSync(pty.slave);
  let out = '';
  const master = new tty.ReadStream(pty.master);
  master.on('data', (c: Buffer) => { out += c.toString(); });
  // EIO once no slave is left: wrunc has exited and everything it wrote is read
  const done = new Promise<void>((r) => { master.on('error', () => r()); master.on('end', () => r()); });
  const input = new tty.WriteStream(pty.master);
  input.on('error', () => {});
  void done.then(() => input.destroy());
  return {
    status: new Promise((r) => child.on('exit', (code) => r(code))),
    output: () => out,
    type: (text) => input.write(text),
    resize: (s) => { setWinsize(pty.master, s); child.kill('SIGWINCH'); },
    done,
  };
}

describe.skipIf(!isRoot)('terminals (root, real containers)', () => {
  let root: TempDir;
  let work: TempDir;
  const bundles: TempDir[] = [];
  const terminalBundle = (args: string[], edit?: (s: any) => void) => {
    const b = tempBundle({ args, edit: (s) => { s.process.terminal = true; edit?.(s); } });
    bundles.push(b);
    return b;
  };

  beforeAll(() => {
    root = tempStateRoot();
    work = tempDir();
  });

  afterAll(() => {
    for (const id of [RUN, EXEC, SOCK]) wrunc(['delete', '--force', id], { root: root.path });
    expect(stateDirs(root.path)).toEqual([]);
    for (const d of [root, work, ...bundles]) d.cleanup();
  });

  it('run with process.terminal: a tty of our size, input and output, resize, /dev/console', async () => {
    const b = terminalBundle(['sh', '-c', 'tty; stty size; ls -l /dev/console; read line; echo got:$line; sleep 1; stty size']);
    const s = onPty(root.path, ['run', '--bundle', b.path, RUN], { rows: 33, cols: 101 });
    await expect.poll(s.output, { timeout: 10_000 }).toContain('/dev/console');
    s.type('hello\r');
    await expect.poll(s.output).toContain('got:hello');
    s.resize({ rows: 40, cols: 120 });
    expect(await s.status).toBe(0);
    await s.done;
    const out = s.output();
    const pts = /\/dev\/pts\/(\d+)/.exec(out)?.[1];
    expect(pts).toBeDefined();
    expect(out).toMatch(new RegExp(`c[-rwx]+\\s+1\\s+\\S+\\s+\\S+\\s+136,\\s+${pts} .* /dev/console`));
    expect(out).toMatch(/33 101\r\n[\s\S]*40 120\r\n/);
  });

  it('exec --tty: a tty in the running container, output back, exit status', async () => {
    const b = tempBundle({ args: ['sleep', '1000'] });
    bundles.push(b);
    expect(wrunc(['run', '--detach', '--bundle', b.path, EXEC], { root: root.path }).status).toBe(0);
    const s = onPty(root.path, ['exec', '--tty', EXEC, 'sh', '-c', 'tty; stty size; exit 5'], { rows: 21, cols: 77 });
    expect(await s.status).toBe(5);
    await s.done;
    expect(s.output()).toMatch(/\/dev\/pts\/\d+\r\n21 77\r\n/);
    expect(wrunc(['delete', '--force', EXEC], { root: root.path }).status).toBe(0);
  });

  it('--console-socket receives a working pty master', async () => {
    const b = terminalBundle(['sh', '-c', 'tty; stty size; read line; echo got:$line'], (s) => { s.process.consoleSize = { height: 30, width: 90 }; });
    const sockPath = join(work.path, 'console.sock');
    const listener = listenUnix(sockPath);
    const create = spawn(WRUNC, ['--root', root.path, 'create', '--console-socket', sockPath, '--bundle', b.path, SOCK], { stdio: 'ignore' });
    const created = new Promise((r) => create.on('exit', r));
    const conn = acceptUnix(listener);
    const { fd: master, name } = recvFd(conn);
    closeSync(conn);
    closeSync(listener);
    expect(name).toBe('/dev/ptmx');
    expect(await created).toBe(0);
    expect(wrunc(['start', SOCK], { root: root.path }).status).toBe(0);

    const w = new tty.WriteStream(master);
    w.write('ping\r');
    let out = '';
    const buf = Buffer.alloc(4096);
    for (;;) {
      let n = 0;
      try {
        n = readSync(master, buf);
      } catch (e) {
        // the WriteStream made the fd non-blocking; EIO: the container's side is closed
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') break;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (n === 0) break;
      out += buf.subarray(0, n).toString();
    }
    w.destroy();
    // "ping" is typed before the program reads it, so the tty's echo of it may land anywhere
    // between the lines the program prints: check the lines, not their interleaving
    const lines = out.split('\r\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines).toContain('30 90');
    expect(lines).toContain('got:ping');
    expect(wrunc(['delete', '--force', SOCK], { root: root.path }).status).toBe(0);
  });
});
