// process.terminal: a pty from the container's own devpts (so after pivot_root), its master sent
// over the console socket the host connected for us, its slave the controlling terminal and stdio.
import { closeSync } from 'node:fs';
import { TIOCSCTTY, check, dup2, ioctlInt, setsid } from '../ffi.js';
import { openPty, sendFdOver } from '../terminal.js';
import type { PlanProcess } from '../types.js';

export function setupConsole(p: PlanProcess, consoleFd: number): void {
  const size = p.consoleSize ? { rows: p.consoleSize.height, cols: p.consoleSize.width } : undefined;
  const pty = openPty(size);
  try {
    sendFdOver(consoleFd, pty.master);
  } finally {
    closeSync(pty.master);
    closeSync(consoleFd);
  }
  check(setsid(), 'terminal.setup', 'setsid', '/process/terminal');
  check(ioctlInt(pty.slave, TIOCSCTTY, 0), 'terminal.setup', 'make the pty the controlling terminal', '/process/terminal');
  for (const fd of [0, 1, 2]) check(dup2(pty.slave, fd), 'terminal.setup', `dup2 the pty onto fd ${fd}`, '/process/terminal');
  closeSync(pty.slave);
}
