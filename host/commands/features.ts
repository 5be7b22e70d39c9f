// `wrunc features`: runc's features JSON (runtime-spec features.md), filled with what wrunc does,
// plus a "wrunc" member carrying the core's decisions for this machine.
import { existsSync } from 'node:fs';
import { decideFor, type CommandDef } from './context.js';

const HOOKS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
// runc 1.1.5's recognised options; the core parses the same set
const MOUNT_OPTIONS = ['acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime',
  'loud', 'mand', 'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount', 'rexec',
  'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate',
  'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared', 'silent',
  'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable'];
const CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE',
  'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME',
  'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'].map((c) => `CAP_${c}`);
const SECCOMP_ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'];
const SECCOMP_OPERATORS = ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'];

export const features: CommandDef = {
  command: 'features',
  describe: 'show what this wrunc supports (runtime-spec features JSON) and the decisions for this machine',
  builder: (y) => y,
  run(ctx) {
    const result = decideFor(ctx, 'features');
    const seccomp = ['/usr/lib/x86_64-linux-gnu/libseccomp.so.2', '/lib/x86_64-linux-gnu/libseccomp.so.2', '/usr/lib64/libseccomp.so.2']
      .some((p) => existsSync(p));
    const out = {
      ociVersionMin: '1.0.0',
      ociVersionMax: '1.0.2-dev',
      hooks: HOOKS,
      mountOptions: MOUNT_OPTIONS,
      linux: {
        namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
        capabilities: CAPABILITIES,
        cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
        seccomp: seccomp ? { enabled: true, actions: SECCOMP_ACTIONS, operators: SECCOMP_OPERATORS } : { enabled: false },
        apparmor: { enabled: false },
        selinux: { enabled: false },
      },
      annotations: {
        'org.opencontainers.runc.checkpoint.enabled': String(result.decisions.checkpointRestore.value),
        'dev.wrunc.core.abi': String(result.abi),
      },
      wrunc: { decisions: result.decisions, warnings: result.warnings },
    };
    process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
    return 0;
  },
};
