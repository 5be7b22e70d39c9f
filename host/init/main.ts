// The container-side stage: `node init.mjs SYNCFD`, started by the trampoline as the container's
// process inside its namespaces. It reads the plan from the sync socket, sets the container up,
// reports "ready" (the container is created), waits for `start`, and execs the program. Identity,
// capabilities and the PATH lookup come before "ready", as in runc, so that their failures fail
// `create` rather than `start`. A setup failure goes back to the host as one error report; after
// "ready" there is no host listening, so a failure goes to stderr.
import { realpathSync, writeSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { compileSeccomp, type OciSeccomp, type SeccompFilter } from '../seccomp.js';
import { hangUp, readConfig, report } from './channel.js';
import { setupConsole } from './console.js';
import { setupDev } from './devices.js';
import { exec, lookPath, prepareFds, programEnv, waitForStart } from './exec.js';
import { applyIdentity, lastCapability } from './identity.js';
import { mountAll } from './mounts.js';
import type { InitConfig } from './protocol.js';
import { maskPaths, prepareRoot, readonlyPaths, readonlyRoot, switchRoot } from './rootfs.js';
import { joinKeyring, setNames, setOomScoreAdj, setPersonality, setRlimits, writeSysctls } from './system.js';

const syncFd = Number(process.argv[2]);

function setup(cfg: InitConfig): { fifoFd: number; path: string; env: string[]; seccomp: SeccompFilter | null } {
  const { plan } = cfg;
  const proc = plan.process;
  if (!proc) throw new WruncError('spec.required', 'the container has no process to run', '/process');
  process.umask(0);
  const lastCap = lastCapability();

  prepareRoot(plan, cfg.rootfs);
  const cgroupNamespace = plan.namespaces.some((n) => n.type === 'cgroup');
  mountAll(plan.mounts, { rootfs: cfg.rootfs, realRoot: realpathSync(cfg.rootfs), bundle: cfg.bundle, cgroupNamespace });
  setupDev(plan, cfg.rootfs);
  switchRoot(plan, cfg.rootfs, cfg.noPivot);

  if (proc.terminal && cfg.consoleFd !== null) setupConsole(proc, cfg.consoleFd);
  setNames(plan);
  writeSysctls(plan);
  maskPaths(plan.maskedPaths);
  readonlyPaths(plan.readonlyPaths);
  if (plan.root.readonly) readonlyRoot();

  if (!cfg.noNewKeyring) joinKeyring(cfg.id);
  setOomScoreAdj(proc);
  setPersonality(plan);
  setRlimits(proc);

  const seccomp = plan.seccomp ? compileSeccomp(plan.seccomp as OciSeccomp) : null;
  // without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we have it (runc)
  if (seccomp && !proc.noNewPrivileges) seccomp.load();
  applyIdentity(proc, cfg.decisions, lastCap);
  process.umask(proc.umask ?? 0o022);
  try {
    process.chdir(proc.cwd);
  } catch (e) {
    throw new WruncError('process.cwd', `cwd ${proc.cwd}: ${(e as Error).message}`, '/process/cwd');
  }
  const path = lookPath(proc);
  prepareFds(cfg.preserveFds, cfg.syncFd);
  return { fifoFd: cfg.fifoFd, path, env: programEnv(proc), seccomp: seccomp && proc.noNewPrivileges ? seccomp : null };
}

function main(): void {
  let ready = false;
  try {
    const cfg = readConfig(syncFd);
    const s = setup(cfg);
    report(syncFd, { t: 'ready' });
    hangUp(syncFd);
    ready = true;
    waitForStart(s.fifoFd);
    s.seccomp?.load();
    exec(s.path, cfg.plan.process!, s.env);
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

main();
