// A container's init: mounts, /dev, the host's pre-pivot hooks, createContainer hooks, the root
// switch, system settings, identity, then (after "ready") the wait for start and the
// startContainer hooks. Identity, capabilities and the PATH lookup come before "ready", as in
// runc, so that their failures fail `create` rather than `start`.
import { realpathSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { creatingState, runHooks } from '../hooks.js';
import { compileSeccomp, type OciSeccomp } from '../seccomp.js';
import { readMessage, report } from './channel.js';
import { setupConsole } from './console.js';
import { setupDev } from './devices.js';
import { waitForStart } from './exec.js';
import { lastCapability } from './identity.js';
import { prepareLaunch, type Launch } from './launch.js';
import { mountAll } from './mounts.js';
import type { HooksDone, InitConfig } from './protocol.js';
import { maskPaths, prepareRoot, readonlyPaths, readonlyRoot, switchRoot } from './rootfs.js';
import { joinKeyring, setNames, setOomScoreAdj, setPersonality, writeSysctls } from './system.js';

export async function setupContainer(cfg: InitConfig): Promise<Launch> {
  const { plan } = cfg;
  const proc = plan.process;
  if (!proc) throw new WruncError('spec.required', 'the container has no process to run', '/process');
  process.umask(0);
  const lastCap = lastCapability();
  // libseccomp is the host's: load it and build the filter while the host's files are in sight
  const seccomp = plan.seccomp ? compileSeccomp(plan.seccomp as OciSeccomp) : null;

  prepareRoot(plan, cfg.rootfs);
  const cgroupNamespace = plan.namespaces.some((n) => n.type === 'cgroup');
  mountAll(plan.mounts, { rootfs: cfg.rootfs, realRoot: realpathSync(cfg.rootfs), bundle: cfg.bundle, cgroupNamespace });
  setupDev(plan, cfg.rootfs);
  await preSwitchHooks(cfg);
  switchRoot(plan, cfg.rootfs, cfg.noPivot);

  if (proc.terminal && cfg.consoleFd !== null) setupConsole(proc, cfg.consoleFd, true);
  setNames(plan);
  writeSysctls(plan);
  maskPaths(plan.maskedPaths);
  readonlyPaths(plan.readonlyPaths);
  if (plan.root.readonly) readonlyRoot();

  if (!cfg.noNewKeyring) joinKeyring(cfg.id);
  setOomScoreAdj(proc);
  setPersonality(plan);
  return prepareLaunch(proc, { decisions: cfg.decisions, lastCap, seccomp, preserveFds: cfg.preserveFds, syncFd: cfg.syncFd }, async () => {
    waitForStart(cfg.fifoFd);
    // as runc: inside the container, as its user, status "created"
    await runHooks('startContainer', plan.hooks.startContainer, creatingState(plan, cfg.id, cfg.bundle, 'created', cfg.pid));
  });
}

/**
 * The runtime-spec's point "after the namespaces are created, before pivot_root": the host runs
 * prestart and createRuntime in its own namespaces while we wait, then we run createContainer
 * here, in the container's namespaces with the host's paths still visible (runc does the same).
 */
async function preSwitchHooks(cfg: InitConfig): Promise<void> {
  const { hooks } = cfg.plan;
  if (hooks.prestart.length || hooks.createRuntime.length) {
    report(cfg.syncFd, { t: 'hooks' });
    readMessage<HooksDone>(cfg.syncFd);
  }
  await runHooks('createContainer', hooks.createContainer, creatingState(cfg.plan, cfg.id, cfg.bundle, 'creating', cfg.pid));
}
