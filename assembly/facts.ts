// Input 1: what the host measured. Missing keys take the contract's defaults; wrong types and
// unknown enum values are facts.* errors, after which no decision is made.
import { Tape, K_OBJECT } from "./json/reader";
import { Doc } from "./json/access";
import { IdMap, identityMap, parseMapText } from "./idmap";

export const ROOTLESS_AUTO: i32 = 0;
export const ROOTLESS_TRUE: i32 = 1;
export const ROOTLESS_FALSE: i32 = 2;

export const CG_NONE: i32 = 0;
export const CG_V1: i32 = 1;
export const CG_V2: i32 = 2;
export const CG_HYBRID: i32 = 3;

export class Facts {
  t!: Tape;
  euid: u64 = 0;
  egid: u64 = 0;
  /** string nodes on the facts tape, -1 when unset */
  user: i32 = -1;
  xdgRuntimeDir: i32 = -1;
  root: i32 = -1;
  command: i32 = -1;
  containerId: i32 = -1;
  uidMap: IdMap = identityMap();
  gidMap: IdMap = identityMap();
  rootless: i32 = ROOTLESS_AUTO;
  systemdCgroup: bool = false;
  /** -1 when null or unknown */
  systemdOwnerUid: i64 = -1;
  cgroupMode: i32 = CG_NONE;
  cgroupWritable: bool = false;
  newuidmap: bool = false;
  newgidmap: bool = false;
  /** own id plus subuid/subgid ranges, in the inside column: the host ids a rootless user may map */
  allottedUids: IdMap = new IdMap();
  allottedGids: IdMap = new IdMap();
  criu: bool = false;
  /** socket-activation fds the runtime got (LISTEN_FDS for this pid): passed on to the container, as runc */
  listenFds: u64 = 0;

  get inUserNamespace(): bool { return !this.uidMap.isIdentity(); }

  isCommand(name: string): bool { return this.command >= 0 && this.t.eq(this.command, name); }
}

/** Reads the facts document; errors go to doc.r (codes facts.*). */
export function readFacts(doc: Doc): Facts {
  const t = doc.t;
  const f = new Facts();
  f.t = t;
  if (t.kind(0) != K_OBJECT) { doc.typeError(0, "an object"); return f; }
  f.euid = doc.unsigned(0, "euid", U32.MAX_VALUE, 0, true);
  f.egid = doc.unsigned(0, "egid", U32.MAX_VALUE, 0, true);
  const env = doc.obj(0, "env");
  f.user = doc.str(env, "USER");
  f.xdgRuntimeDir = doc.str(env, "XDG_RUNTIME_DIR");
  f.uidMap = ownMap(doc, "uidMap");
  f.gidMap = ownMap(doc, "gidMap");
  const flags = doc.obj(0, "flags");
  const rl = doc.str(flags, "rootless");
  if (rl >= 0) {
    if (t.eq(rl, "true")) f.rootless = ROOTLESS_TRUE;
    else if (t.eq(rl, "false")) f.rootless = ROOTLESS_FALSE;
    else if (!t.eq(rl, "auto")) doc.valueError(rl, "/facts/flags/rootless must be \"auto\", \"true\" or \"false\"; pass one of those.");
  }
  f.systemdCgroup = doc.bool(flags, "systemdCgroup", false);
  f.root = doc.str(flags, "root");
  f.systemdOwnerUid = doc.signed(0, "systemdOwnerUid", 0, U32.MAX_VALUE, -1);
  const cg = doc.obj(0, "cgroup");
  const mode = doc.str(cg, "mode");
  if (mode >= 0) {
    if (t.eq(mode, "v1")) f.cgroupMode = CG_V1;
    else if (t.eq(mode, "v2")) f.cgroupMode = CG_V2;
    else if (t.eq(mode, "hybrid")) f.cgroupMode = CG_HYBRID;
    else if (!t.eq(mode, "none")) doc.valueError(mode, "/facts/cgroup/mode must be \"v1\", \"v2\", \"hybrid\" or \"none\"; report the mode the host detected.");
  }
  f.cgroupWritable = doc.bool(cg, "writable", false);
  const helpers = doc.obj(0, "idmapHelpers");
  f.newuidmap = doc.bool(helpers, "newuidmap", false);
  f.newgidmap = doc.bool(helpers, "newgidmap", false);
  f.allottedUids = ranges(doc, "subuid", f.euid);
  f.allottedGids = ranges(doc, "subgid", f.egid);
  f.criu = doc.bool(doc.obj(0, "criu"), "available", false);
  f.command = doc.str(0, "command");
  f.containerId = doc.str(0, "containerId");
  f.listenFds = doc.unsigned(0, "listenFds", 1024, 0);
  return f;
}

function ownMap(doc: Doc, key: string): IdMap {
  const n = doc.str(0, key);
  if (n < 0) return identityMap();
  const m = parseMapText(doc.t.start(n), doc.t.strLen(n));
  if (m == null) {
    doc.valueError(n, "/facts/" + key + " is not the text of a /proc/self/" + (key == "uidMap" ? "uid_map" : "gid_map") + " file (lines of three numbers); pass the file's content unchanged.");
    return identityMap();
  }
  return m;
}

function ranges(doc: Doc, key: string, own: u64): IdMap {
  const m = new IdMap();
  m.add(own, own, 1, -1);
  const a = doc.arr(0, key);
  if (a < 0) return m;
  for (let e = doc.t.first(a); e >= 0; e = doc.t.next(e)) {
    if (doc.t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const start = doc.unsigned(e, "start", U32.MAX_VALUE, 0, true);
    const count = doc.unsigned(e, "count", U32.MAX_VALUE, 0, true);
    if (m.length <= 4096) m.add(start, start, count, e);
  }
  return m;
}

