// The decision core's input and output, as the host sees them (contract v1 plus documented
// extensions). The core (assembly/) writes exactly these shapes; the host never re-decides them.
// 64-bit quantities that may exceed 2^53 (rlimits, cgroup values) travel as decimal strings so
// that JSON.parse in any language keeps them exact.

/** Input 1 of decide(): what the host measured on this machine. */
export interface Facts {
  euid: number;
  egid: number;
  env: { USER?: string; XDG_RUNTIME_DIR?: string };
  /** raw text of /proc/self/uid_map and gid_map */
  uidMap: string;
  gidMap: string;
  flags: { rootless: 'auto' | 'true' | 'false'; systemdCgroup: boolean; root: string | null };
  systemdOwnerUid: number | null;
  cgroup: { mode: 'v1' | 'v2' | 'hybrid' | 'none'; writable: boolean };
  idmapHelpers: { newuidmap: boolean; newgidmap: boolean };
  subuid: IdRange[];
  subgid: IdRange[];
  criu: { available: boolean };
  command: string;
  /** extension: the container id, for the default cgroup path ("/" + id, as runc) */
  containerId?: string;
  /**
   * extension: how many socket-activation fds (from 3) the runtime was given — LISTEN_FDS when
   * LISTEN_PID is its own pid [0]. create and run pass them on, as runc does.
   */
  listenFds?: number;
}

export interface IdRange { start: number; count: number }

export interface Problem {
  /** stable code from the contract, e.g. "mount.unmapped-id" */
  code: string;
  /** RFC 6901 JSON Pointer into config.json, or "/facts/..." */
  path: string;
  message: string;
}

export interface Decision<T> { value: T; reason: string }

export interface Decisions {
  /** extension: uidMap is not the full identity map */
  inUserNamespace: Decision<boolean>;
  rootlessEuid: Decision<boolean>;
  honorXdgRuntimeDir: Decision<boolean>;
  stateRoot: Decision<string>;
  rootlessCgroups: Decision<boolean>;
  cgroupManager: Decision<'fs' | 'rootless-fs' | 'systemd' | 'none'>;
  cgroupFeatures: Decision<boolean>;
  /**
   * extension: plan.cgroup.writes holds v1 device rules (devices.deny / devices.allow). False
   * with mode none, in a user namespace (writing them needs CAP_SYS_ADMIN in the initial user
   * namespace, so root in Docker-in-LXD got EPERM; runc skips them there, and the user namespace
   * limits devices itself), and on v2 (eBPF not loaded: warning cgroup.devices-v2); else true.
   */
  deviceCgroup: Decision<boolean>;
  psSource: Decision<'cgroup' | 'procfs'>;
  checkpointRestore: Decision<boolean>;
  setgroups: Decision<'allow' | 'deny'>;
  idmapWriter: Decision<'direct' | 'newidmap' | 'none'>;
  additionalGids: Decision<boolean>;
}

/**
 * Output of decide(). Keys appear in this order in the bytes.
 * Codes beyond the contract's table: facts.syntax / facts.type / facts.required / facts.value
 * (path /facts/...; decisions is then null), spec.capability-unknown (warning: dropped, as runc),
 * mount.relative-destination (warning: taken as relative to "/", as runc 1.1), cgroup.devices-v2
 * (warning: device rules need eBPF on v2 and are skipped), cgroup.unsupported (warning: a v1-only
 * resource ignored on v2). At most 100 errors and 100 warnings are reported.
 * Duplicate keys in config.json: the last one wins everywhere (Go's encoding/json does the same,
 * but unlike Go, key matching is case-sensitive). Inputs: facts at most 1 MiB, config.json at
 * most 16 MiB, nesting at most 512 levels.
 * Memory: Wasm memory never shrinks, so one huge config sets the module's size for good. It
 * grows to about 3 bytes per config.json byte (input copy included) for a 10 MB config whose
 * plan is as large (100,000 env entries: 32 MiB; was 229 MiB), and about 7 for one whose plan is
 * larger (400,000 annotations, 12 MB in, 18 MB out: 85 MiB; was 273 MiB). The node table is
 * 20 bytes per JSON value, sized by counting ':' ',' '[' above 64 KiB of input.
 */
export interface Result {
  abi: 1;
  ok: boolean;
  errors: Problem[];
  warnings: Problem[];
  /** null only when the facts themselves could not be read */
  decisions: Decisions | null;
  /** null when !ok, or when no config was given (specLen 0: commands that need no spec); never partial */
  plan: Plan | null;
}

/** The normalized spec the host executes, in the order it executes it. */
export interface Plan {
  ociVersion: string;
  /** root.path as written (relative paths are relative to the bundle) and root.readonly */
  root: { path: string; readonly: boolean };
  hostname: string | null;
  domainname: string | null;
  /** namespaces in the order to create/join them: user first, then ipc, uts, net, pid, mount, cgroup, time */
  namespaces: PlanNamespace[];
  /** OR of the clone flags of the namespaces to create (those with path null) */
  cloneFlags: number;
  /** true when the plan creates a new user namespace (then uidMap/gidMap are written) */
  newUserNamespace: boolean;
  /** lines for /proc/PID/uid_map and gid_map ("containerID hostID size\n" each); "" when none */
  uidMap: string;
  gidMap: string;
  mounts: PlanMount[];
  /** MS_* propagation flags for "/" (rootfsPropagation; default MS_SLAVE|MS_REC as runc), 0 = leave */
  rootfsPropagation: number;
  /** devices to create in /dev: runc's defaults (null, zero, full, random, urandom, tty) merged with linux.devices */
  devices: PlanDevice[];
  process: PlanProcess | null;
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctl: { key: string; value: string }[];
  cgroup: PlanCgroup;
  /** passed through validated, for later stages */
  hooks: PlanHooks;
  seccomp: PlanSeccomp | null;
  personality: { domain: number; flags: string[] } | null;
  timeOffsets: { monotonic?: { secs: number; nanosecs: number }; boottime?: { secs: number; nanosecs: number } } | null;
  /** last of duplicate keys wins, document order */
  annotations: { key: string; value: string }[];
  /** extension: linux.mountLabel ("" when absent) */
  mountLabel: string;
}

/** extension: linux.seccomp validated, names kept, 64-bit values as decimal strings */
export interface PlanSeccomp {
  defaultAction: string;
  defaultErrnoRet: number | null;
  architectures: string[];
  flags: string[];
  listenerPath: string;
  listenerMetadata: string;
  syscalls: {
    names: string[];
    action: string;
    errnoRet: number | null;
    args: { index: number; value: string; valueTwo: string; op: string }[];
  }[];
}

export interface PlanNamespace {
  type: 'user' | 'ipc' | 'uts' | 'network' | 'pid' | 'mount' | 'cgroup' | 'time';
  /** CLONE_NEW* value */
  flag: number;
  /** join this path instead of creating */
  path: string | null;
}

export interface PlanMount {
  destination: string;
  source: string;
  type: string;
  /** MS_* flags for mount(2), without propagation bits; MS_BIND|MS_REC for rbind */
  flags: number;
  /** MS_* flags to clear (from "rw", "suid", ... over defaults), informational for remounts */
  clearFlags: number;
  /** propagation changes to apply after the mount, in order, each MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, optionally |MS_REC */
  propagation: number[];
  /** MOUNT_ATTR_* to set / clear recursively with mount_setattr(AT_RECURSIVE) (rro, rnosuid, ...) */
  attrSet: number;
  attrClr: number;
  /** options that are not flags, comma-joined, as the data argument */
  data: string;
  /** extension: the "tmpcopyup" option (copy the destination's content into the new tmpfs) */
  copyUp: boolean;
  /** index of this mount in config.json's mounts, for error paths */
  index: number;
}

export interface PlanDevice {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  /** permission bits (0o7777); config.json may give st_mode with the type bits (podman), masked off as runc does */
  fileMode: number;
  uid: number;
  gid: number;
}

export interface PlanProcess {
  terminal: boolean;
  consoleSize: { height: number; width: number } | null;
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  umask: number | null;
  additionalGids: number[];
  noNewPrivileges: boolean;
  oomScoreAdj: number | null;
  apparmorProfile: string;
  selinuxLabel: string;
  /** capability bit sets (bit n = capability number n); unknown names give a warning and are dropped, as runc */
  capabilities: { bounding: number; effective: number; inheritable: number; permitted: number; ambient: number };
  /** RLIMIT_* number, with soft/hard as decimal strings (u64) */
  rlimits: { type: string; resource: number; soft: string; hard: string }[];
  /** extension: process.ioPriority, class as IOPRIO_CLASS_* number (1 RT, 2 BE, 3 IDLE) */
  ioPriority: { class: number; priority: number } | null;
  /** extension: process.scheduler for sched_setattr(2): policy SCHED_* number, flags OR of SCHED_FLAG_* */
  scheduler: { policy: number; nice: number; priority: number; flags: number; runtime: string; deadline: string; period: string } | null;
  /**
   * extension: socket-activation fds passed on (facts.listenFds, for create and run): the
   * container gets them as fds 3.., before any --preserve-fds, and LISTEN_FDS/LISTEN_PID=1 in env
   */
  listenFds: number;
}

export interface PlanCgroup {
  /** cgroupsPath, or "/" + containerId when absent */
  path: string;
  /** the path was relative: it is under the runtime's own cgroup */
  relative: boolean;
  /**
   * Files to write, in order, for the fact's cgroup mode. v1 and hybrid: controller is the v1
   * controller directory ("memory", "cpu", "pids", "devices", "blkio", "cpuset", "hugetlb", ...);
   * v2: controller is "" and file is the unified file ("memory.max", "cpu.max", "pids.max", ...).
   */
  writes: { controller: string; file: string; value: string }[];
}

export interface PlanHook {
  path: string;
  args: string[];
  /**
   * null when config.json has no env (or null): run the hook with the runtime's own environment,
   * as runc does (cmd.Env = h.Env; Go's exec inherits the parent's environment for a nil Env).
   * [] (given empty) means an empty environment.
   */
  env: string[] | null;
  timeout: number | null;
}
export interface PlanHooks {
  prestart: PlanHook[];
  createRuntime: PlanHook[];
  createContainer: PlanHook[];
  startContainer: PlanHook[];
  poststart: PlanHook[];
  poststop: PlanHook[];
}
