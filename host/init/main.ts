// The stage the trampoline execs inside the namespaces: `node init.mjs SYNCFD`. It reads its
// config from the sync socket and either sets up a new container's init (setup.ts) or enters an
// existing container for `exec` (enter.ts); both end here: "ready", then execve. A failure before
// "ready" goes back to the host as one error report; after it there is no host listening, so a
// failure goes to stderr.
import { writeSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { hangUp, readMessage, report } from './channel.js';
import { enterContainer } from './enter.js';
import { exec } from './exec.js';
import type { StageConfig } from './protocol.js';
import { setupContainer } from './setup.js';

const syncFd = Number(process.argv[2]);

async function main(): Promise<void> {
  let ready = false;
  try {
    const cfg = readMessage<StageConfig>(syncFd);
    const launch = cfg.kind === 'init' ? await setupContainer(cfg) : await enterContainer(cfg);
    report(syncFd, { t: 'ready' });
    hangUp(syncFd);
    ready = true;
    await launch.afterReady();
    launch.seccomp?.load();
    exec(launch.path, launch.process, launch.env);
  } catch (e) {
    const err = e instanceof WruncError ? e : new WruncError('init.failed', (e as Error).message ?? String(e));
    if (ready || !tryReport(err)) writeSync(2, `${err.line()}\n`);
    process.exit(ready ? 127 : 1);
  }
}

/** false when the host is gone (wrunc was killed): then the error goes to stderr */
function tryReport(err: WruncError): boolean {
  try {
    report(syncFd, { t: 'error', code: err.code, message: err.message, path: err.path });
    return true;
  } catch {
    return false;
  }
}

void main();
