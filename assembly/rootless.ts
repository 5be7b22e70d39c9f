// The rootless decision table of the contract. Each decision carries its value and a reason:
// a stable code, a colon, and words (with at most one number), written without allocating.
import { Writer } from "./json/writer";
import { F_DECODED } from "./json/reader";
import { Facts, ROOTLESS_TRUE, ROOTLESS_FALSE, CG_NONE, CG_V2 } from "./facts";
import { IdMap, INSIDE } from "./idmap";

/** What the decisions need from config.json (all empty when no spec was given). */
export class SpecIds {
  /** a user namespace is listed */
  userNs: bool = false;
  /** ... and it is joined by path instead of created */
  userNsJoined: bool = false;
  uidMaps: IdMap = new IdMap();
  gidMaps: IdMap = new IdMap();
  additionalGids: u64[] = [];
  /** process.user uid/gid, -1 when absent */
  uid: i64 = -1;
  gid: i64 = -1;

  get newUserNs(): bool { return this.userNs && !this.userNsJoined; }
}

const BOOL: i32 = 0;
const WORD: i32 = 1;
const STATE_ROOT: i32 = 2;

export class Decision {
  type: i32 = BOOL;
  /** the value of a bool decision; for stateRoot, whether it lies under XDG_RUNTIME_DIR */
  b: bool = false;
  word: string = "";
  why: string = "";
  num: i64 = -1;
  tail: string = "";

  yes(b: bool, why: string, num: i64 = -1, tail: string = ""): Decision {
    this.type = BOOL; this.b = b; this.why = why; this.num = num; this.tail = tail;
    return this;
  }

  is(word: string, why: string, num: i64 = -1, tail: string = ""): Decision {
    this.type = WORD; this.word = word; this.why = why; this.num = num; this.tail = tail;
    return this;
  }
}

export class Decisions {
  inUserNamespace: Decision = new Decision();
  rootlessEuid: Decision = new Decision();
  honorXdgRuntimeDir: Decision = new Decision();
  stateRoot: Decision = new Decision();
  rootlessCgroups: Decision = new Decision();
  cgroupManager: Decision = new Decision();
  cgroupFeatures: Decision = new Decision();
  deviceCgroup: Decision = new Decision();
  psSource: Decision = new Decision();
  checkpointRestore: Decision = new Decision();
  setgroups: Decision = new Decision();
  idmapWriter: Decision = new Decision();
  additionalGids: Decision = new Decision();
  /** the gid that made additionalGids false, for the error message */
  unmappedGid: i64 = -1;
}

export function decide(f: Facts, s: SpecIds): Decisions {
  const d = new Decisions();
  const inNs = f.inUserNamespace;
  const rootless = f.euid != 0;
  d.inUserNamespace.yes(inNs, inNs ? "user-namespace: uid_map is not the identity map" : "initial-namespace: uid_map is the identity map");
  d.rootlessEuid.yes(rootless, rootless ? "euid-nonzero: the runtime runs as uid " : "euid-zero: the runtime runs as uid ", <i64>f.euid);

  const t = f.t;
  const xdg = f.xdgRuntimeDir;
  const userRoot = f.user >= 0 && t.eq(f.user, "root");
  if (xdg < 0) d.honorXdgRuntimeDir.yes(false, "xdg-unset: XDG_RUNTIME_DIR is not set");
  else if (t.strLen(xdg) == 0) d.honorXdgRuntimeDir.yes(false, "xdg-empty: XDG_RUNTIME_DIR is empty");
  else if (rootless) d.honorXdgRuntimeDir.yes(true, "euid-nonzero: a rootless runtime keeps state in XDG_RUNTIME_DIR");
  else if (!inNs) d.honorXdgRuntimeDir.yes(false, "real-root: uid 0 in the initial user namespace uses /run");
  else if (userRoot) d.honorXdgRuntimeDir.yes(false, "user-root: uid 0 in a user namespace with USER=root uses /run");
  else d.honorXdgRuntimeDir.yes(true, "userns-user: uid 0 in a user namespace started by a user who is not root");

  d.stateRoot.type = STATE_ROOT;
  d.stateRoot.b = f.root < 0 && d.honorXdgRuntimeDir.b;
  if (f.root >= 0) d.stateRoot.why = "flag-root: --root was given";
  else if (d.honorXdgRuntimeDir.b) d.stateRoot.why = "xdg-runtime-dir: under $XDG_RUNTIME_DIR";
  else d.stateRoot.why = "default: /run/wrunc";

  const rc = d.rootlessCgroups;
  if (f.rootless == ROOTLESS_TRUE) rc.yes(true, "flag-rootless: --rootless true");
  else if (f.rootless == ROOTLESS_FALSE) rc.yes(false, "flag-rootless: --rootless false");
  else if (rootless) rc.yes(true, "euid-nonzero: the runtime runs as uid ", <i64>f.euid);
  else if (!inNs) rc.yes(false, "real-root: uid 0 in the initial user namespace");
  else if (f.systemdCgroup) {
    const owner = f.systemdOwnerUid < 0 ? 0 : f.systemdOwnerUid;
    rc.yes(owner != 0, "systemd-owner: the systemd bus is owned by uid ", owner);
  } else rc.yes(!f.cgroupWritable, f.cgroupWritable ? "cgroup-writable: the cgroup probe succeeded" : "cgroup-unwritable: the cgroup probe failed");

  if (f.cgroupMode == CG_NONE) d.cgroupManager.is("none", "cgroup-none: no cgroup hierarchy is mounted");
  else if (f.systemdCgroup) d.cgroupManager.is("systemd", "systemd-flag: --systemd-cgroup was given");
  else if (rc.b) d.cgroupManager.is("rootless-fs", "rootless-cgroups: cgroupfs, errors tolerated");
  else d.cgroupManager.is("fs", "cgroupfs: cgroupfs, errors are fatal");

  const features = f.cgroupWritable && f.cgroupMode != CG_NONE;
  d.cgroupFeatures.yes(features, f.cgroupMode == CG_NONE ? "cgroup-none: no cgroup hierarchy is mounted"
    : features ? "cgroup-writable: the container's cgroup can be created" : "cgroup-unwritable: the container's cgroup cannot be created");
  // v1 devices.allow/devices.deny need CAP_SYS_ADMIN in the initial user namespace (runc skips
  // them in a user namespace and for rootless users); v2 needs an eBPF program this runtime does not load.
  if (f.cgroupMode == CG_NONE) d.deviceCgroup.yes(false, "cgroup-none: no cgroup hierarchy is mounted");
  else if (inNs) d.deviceCgroup.yes(false, "userns: device cgroup rules need CAP_SYS_ADMIN in the initial user namespace; devices are limited by the user namespace itself");
  else if (f.euid != 0) d.deviceCgroup.yes(false, "euid-nonzero: device cgroup rules need CAP_SYS_ADMIN in the initial user namespace; a rootless container's devices are limited by its user namespace");
  else if (f.cgroupMode == CG_V2) d.deviceCgroup.yes(false, "cgroup-v2: device rules need an eBPF program, which this runtime does not load");
  else d.deviceCgroup.yes(true, "cgroup-v1: devices.deny and devices.allow are written");
  d.psSource.is(features ? "cgroup" : "procfs", features ? "cgroup-features: list the container's cgroup" : "no-cgroup-features: scan /proc for the container's PID namespace");

  if (rootless) d.checkpointRestore.yes(false, "euid-nonzero: CRIU needs uid 0");
  else if (!f.criu) d.checkpointRestore.yes(false, "criu-unavailable: criu check did not pass");
  else d.checkpointRestore.yes(true, "criu-ok: uid 0 and criu check passed");

  const selfMapped = s.uidMaps.isSelfMap(f.euid) && s.gidMaps.isSelfMap(f.egid);
  if (!s.newUserNs) d.idmapWriter.is("none", s.userNs ? "joined-userns: the user namespace is joined, not created" : "no-userns: no new user namespace");
  else if (!rootless) d.idmapWriter.is("direct", "euid-zero: uid 0 writes the maps itself");
  else if (selfMapped) d.idmapWriter.is("direct", "self-map: a single mapping of one's own ids can be written directly");
  else d.idmapWriter.is("newidmap", "newidmap: mapping other ids needs newuidmap and newgidmap");

  const direct = d.idmapWriter.word == "direct";
  if (rootless && direct) d.setgroups.is("deny", "self-map-direct: the kernel requires setgroups deny for an unprivileged gid map");
  else if (!s.newUserNs) d.setgroups.is("allow", "no-userns: no gid map is written");
  else if (direct) d.setgroups.is("allow", "euid-zero: uid 0 may keep setgroups");
  else d.setgroups.is("allow", "newgidmap: newgidmap writes the gid map");

  if (d.setgroups.word == "deny") d.additionalGids.yes(false, "setgroups-deny: setgroups(2) is denied in the container");
  else if (s.userNsJoined) d.additionalGids.yes(true, "joined-userns: the joined namespace's map is not known here");
  else {
    const map = s.newUserNs ? s.gidMaps : f.gidMap;
    let bad: i64 = -1;
    for (let i = 0; i < s.additionalGids.length; i++) {
      const g = unchecked(s.additionalGids[i]);
      if (!map.has(INSIDE, g)) { bad = <i64>g; break; }
    }
    d.unmappedGid = bad;
    if (bad >= 0) d.additionalGids.yes(false, "unmapped-gid: additional gid is not mapped: ", bad);
    else d.additionalGids.yes(true, "mapped: every additional gid is mapped");
  }
  return d;
}

function writeDecision(w: Writer, name: string, d: Decision, f: Facts): void {
  // a fixed shape: the inner names are literals with their punctuation (nothing nests inside)
  w.key(name);
  w.ascii("{\"value\":");
  if (d.type == BOOL) w.bool(d.b);
  else if (d.type == WORD) { w.byte(0x22); w.ascii(d.word); w.byte(0x22); }
  else writeStateRoot(w, f, d.b);
  w.ascii(",\"reason\":\"");
  w.ascii(d.why);
  if (d.num >= 0) w.i64(d.num);
  if (d.tail.length > 0) w.ascii(d.tail);
  w.ascii("\"}");
}

function writeStateRoot(w: Writer, f: Facts, underXdg: bool): void {
  const t = f.t;
  const n = f.root >= 0 ? f.root : underXdg ? f.xdgRuntimeDir : -1;
  w.byte(0x22);
  if (n >= 0) w.body(t.start(n), t.strLen(n), (t.flags(n) & F_DECODED) == 0);
  if (underXdg) w.ascii("/wrunc");
  else if (n < 0) w.ascii("/run/wrunc");
  w.byte(0x22);
}

export function writeDecisions(w: Writer, d: Decisions, f: Facts): void {
  w.obj();
  writeDecision(w, "inUserNamespace", d.inUserNamespace, f);
  writeDecision(w, "rootlessEuid", d.rootlessEuid, f);
  writeDecision(w, "honorXdgRuntimeDir", d.honorXdgRuntimeDir, f);
  writeDecision(w, "stateRoot", d.stateRoot, f);
  writeDecision(w, "rootlessCgroups", d.rootlessCgroups, f);
  writeDecision(w, "cgroupManager", d.cgroupManager, f);
  writeDecision(w, "cgroupFeatures", d.cgroupFeatures, f);
  writeDecision(w, "deviceCgroup", d.deviceCgroup, f);
  writeDecision(w, "psSource", d.psSource, f);
  writeDecision(w, "checkpointRestore", d.checkpointRestore, f);
  writeDecision(w, "setgroups", d.setgroups, f);
  writeDecision(w, "idmapWriter", d.idmapWriter, f);
  writeDecision(w, "additionalGids", d.additionalGids, f);
  w.endObj();
}
