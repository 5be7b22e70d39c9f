// The stage's end of the sync socket: synchronous reads and writes on the raw fd. Never
// process.stdin/stdout here: wrapping an fd makes libuv set O_NONBLOCK on it, and the container's
// program would inherit that on its stdio.
import { closeSync, readSync, writeSync } from 'node:fs';
import type { StageReport } from './protocol.js';

/** the next JSON line from the host (it sends one message and then waits for our answer) */
export function readMessage<T>(fd: number): T {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.allocUnsafe(65536);
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) throw new Error('the host closed the sync socket');
    chunks.push(buf.subarray(0, n));
    if (buf[n - 1] === 0x0a) break;
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

export function report(fd: number, msg: StageReport): void {
  writeSync(fd, `${JSON.stringify(msg)}\n`);
}

export function hangUp(fd: number): void {
  closeSync(fd);
}
