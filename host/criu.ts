// CRIU through its command line: the argument lists for dump, pre-dump and restore from runc's
// flags, and running criu so that a failure is one line naming the log's last error and the log.
// The CLI rather than RPC (criu swrk) because one synchronous run per command is all wrunc needs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WruncError } from './errors.js';

/** the options dump and restore share (runc's flags of the same names) */
export interface CriuCommon {
  imagePath: string;
  workPath: string;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  /** criu --root: where the container's root is as criu sees it */
  root: string;
  /** bind mounts come from outside the container's mount namespace: criu must be told (mnt[KEY]:VAL) */
  externalMounts: { key: string; value: string }[];
}

export interface DumpOptions extends CriuCommon {
  pid: number;
  leaveRunning: boolean;
  preDump: boolean;
  /** a previous pre-dump's images, relative to imagePath (criu's rule) */
  parentPath?: string;
  manageCgroupsMode?: string;
  /** a paused container's freezer (v1) or cgroup (v2): criu must not freeze it again */
  freezeCgroup?: string;
}

export interface RestoreOptions extends CriuCommon {
  pidFile: string;
  /** where the dumped cgroups go: the restored container's own */
  cgroupRoot?: string;
}

export type CriuAction = 'dump' | 'pre-dump' | 'restore';

export function dumpArgs(o: DumpOptions): string[] {
  return [
    ...common(o),
    '--tree', String(o.pid),
    '--manage-cgroups' + (o.manageCgroupsMode ? `=${o.manageCgroupsMode}` : ''),
    // a pre-dump leaves the processes running by nature
    ...(o.leaveRunning && !o.preDump ? ['--leave-running'] : []),
    ...(o.preDump || o.parentPath ? ['--track-mem'] : []),
    ...(o.parentPath ? ['--prev-images-dir', o.parentPath] : []),
    ...(o.freezeCgroup ? ['--freeze-cgroup', o.freezeCgroup] : []),
  ];
}

export function restoreArgs(o: RestoreOptions): string[] {
  return [
    ...common(o),
    // criu exits once the tree is restored instead of waiting for it
    '--restore-detached',
    '--pidfile', o.pidFile,
    '--manage-cgroups',
    ...(o.cgroupRoot ? ['--cgroup-root', o.cgroupRoot] : []),
  ];
}

function common(o: CriuCommon): string[] {
  return [
    '--images-dir', o.imagePath,
    '--work-dir', o.workPath,
    '--root', o.root,
    '-v4',
    ...(o.tcpEstablished ? ['--tcp-established'] : []),
    ...(o.extUnixSk ? ['--ext-unix-sk'] : []),
    ...(o.shellJob ? ['--shell-job'] : []),
    ...(o.fileLocks ? ['--file-locks'] : []),
    ...o.externalMounts.flatMap((m) => ['--external', `mnt[${m.key}]:${m.value}`]),
  ];
}

/** the log criu writes for an action, in the work directory */
export function logPath(workPath: string, action: CriuAction): string {
  return join(workPath, `${action}.log`);
}

/** runs `criu ACTION ARGS --log-file LOG`; a failure throws criu.ACTION with the log's last error */
export function runCriu(action: CriuAction, args: string[], workPath: string): void {
  const log = logPath(workPath, action);
  const r = spawnSync('criu', [action, ...args, '--log-file', log], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new WruncError(`criu.${action}`, `cannot run criu: ${r.error.message}; install criu (criu check must pass)`);
  if (r.status === 0) return;
  const why = lastError(readOr(log)) ?? lastLine(r.stderr ?? '') ?? `exit status ${r.status ?? r.signal}`;
  throw new WruncError(`criu.${action}`, `criu ${action} failed: ${why}; see ${log}`);
}

/** "(00.001) Error (criu/x.c:1): what." → "Error (criu/x.c:1): what", the last such line */
export function lastError(log: string): string | null {
  const errors = log.split('\n').filter((l) => /\bError \(/.test(l));
  return errors.length ? errors[errors.length - 1].replace(/^\(\s*[\d.]+\)\s*/, '').trim().replace(/\.$/, '') : null;
}

function lastLine(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.length ? lines[lines.length - 1] : null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
