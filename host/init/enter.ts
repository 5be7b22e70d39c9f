// `exec`: a new process in a running container. The trampoline has joined every namespace but
// the mount namespace (the host's node binary, which it execs, is not visible inside); this stage
// joins that last, on Node's main thread, which is the thread that calls execve. Everything that
// needs the host's files (libseccomp, the kernel's capability count) comes before the join;
// everything that needs the container's (its pty, cwd, PATH, /etc/passwd) after it.
import { closeSync, openSync } from 'node:fs';
import { CLONE_FS, CLONE_NEWNS, check, setns, unshare } from '../ffi.js';
import { compileSeccomp, type OciSeccomp } from '../seccomp.js';
import { setupConsole } from './console.js';
import { lastCapability } from './identity.js';
import { prepareLaunch, type Launch } from './launch.js';
import type { ExecConfig } from './protocol.js';
import { joinKeyring } from './system.js';

export async function enterContainer(cfg: ExecConfig): Promise<Launch> {
  const proc = cfg.process;
  const lastCap = lastCapability();
  const seccomp = cfg.seccomp ? compileSeccomp(cfg.seccomp as OciSeccomp) : null;
  if (cfg.mountNs !== null) joinMountNamespace(cfg.mountNs);

  if (proc.terminal && cfg.consoleFd !== null) setupConsole(proc, cfg.consoleFd, false);
  joinKeyring(cfg.id);
  return prepareLaunch(proc, { decisions: cfg.decisions, lastCap, seccomp, preserveFds: cfg.preserveFds, syncFd: cfg.syncFd }, async () => {});
}

/**
 * setns(CLONE_NEWNS) needs a caller whose fs context (root, cwd) is its own: unshare(CLONE_FS)
 * gives the main thread one, and then only the main thread enters, with "/" and the working
 * directory set to the namespace's root.
 */
function joinMountNamespace(path: string): void {
  const fd = openSync(path, 'r');
  try {
    check(unshare(CLONE_FS), 'namespace.join', 'unshare(CLONE_FS) before joining the mount namespace', '/linux/namespaces');
    check(setns(fd, CLONE_NEWNS), 'namespace.join', `join the mount namespace ${path}`, '/linux/namespaces');
  } finally {
    closeSync(fd);
  }
}
