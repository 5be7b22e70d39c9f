// process.terminal: a pty from the container's own devpts (so after pivot_root, or after joining
// the mount namespace for exec), its master sent over the console socket the host connected for
// us, its slave the controlling terminal and stdio. A container's init also gets the slave bound
// on /dev/console, as runc does; an exec'd process leaves /dev/console alone.
import { closeSync } from 'node:fs';
import { MS, TIOCSCTTY, check, dup2, ioctlInt, setsid } from '../ffi.js';
import { openPty, sendFdOver } from '../terminal.js';
import type { PlanProcess } from '../types.js';
import { doMount } from './mountops.js';
import { createTarget } from './paths.js';

const CONSOLE = '/dev/console';

export function setupConsole(p: PlanProcess, consoleFd: number, bindConsole: boolean): void {
  const size = p.consoleSize ? { rows: p.consoleSize.height, cols: p.consoleSize.width } : undefined;
  const pty = openPty(size);
  try {
    sendFdOver(consoleFd, pty.master);
  } finally {
    closeSync(pty.master);
    closeSync(consoleFd);
  }
  if (bindConsole) {
    createTarget(CONSOLE, true);
    doMount(pty.slaveName, CONSOLE, null, MS.BIND, null, '/process/terminal', `bind ${pty.slaveName} on ${CONSOLE}`);
  }
  check(setsid(), 'terminal.setup', 'setsid', '/process/terminal');
  check(ioctlInt(pty.slave, TIOCSCTTY, 0), 'terminal.setup', 'make the pty the controlling terminal', '/process/terminal');
  for (const fd of [0, 1, 2]) check(dup2(pty.slave, fd), 'terminal.setup', `dup2 the pty onto fd ${fd}`, '/process/terminal');
  closeSync(pty.slave);
}
