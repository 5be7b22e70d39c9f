// linux.namespaces: types, duplicates and paths, and the plan's ordered list with clone flags.
// Read once, before the decisions, because the user namespace drives the id-map decisions.
import { Doc } from "../json/access";
import { Writer } from "../json/writer";
import { K_OBJECT, F_DECODED } from "../json/reader";
import { Lexicon } from "../lexicon";

// The order the plan creates or joins them: user first, so the others belong to it.
export const NS_USER: i32 = 0;
export const NS_IPC: i32 = 1;
export const NS_UTS: i32 = 2;
export const NS_NET: i32 = 3;
export const NS_PID: i32 = 4;
export const NS_MOUNT: i32 = 5;
export const NS_CGROUP: i32 = 6;
export const NS_TIME: i32 = 7;
const COUNT: i32 = 8;

const TYPES = new Lexicon(
  ["user", "ipc", "uts", "network", "pid", "mount", "cgroup", "time"],
  [0x10000000, 0x08000000, 0x04000000, 0x40000000, 0x20000000, 0x00020000, 0x02000000, 0x00000080],
);

export class Namespaces {
  /** bit i: namespace type i is listed */
  listed: i32 = 0;
  /** per type: the path node when joined, -1 when created */
  paths: StaticArray<i32> = new StaticArray<i32>(COUNT);

  has(i: i32): bool { return (this.listed & (1 << i)) != 0; }
  joined(i: i32): bool { return this.has(i) && unchecked(this.paths[i]) >= 0; }
  created(i: i32): bool { return this.has(i) && unchecked(this.paths[i]) < 0; }

  get cloneFlags(): i64 {
    let f: i64 = 0;
    for (let i = 0; i < COUNT; i++) if (this.created(i)) f |= TYPES.value(i);
    return f;
  }
}

export function readNamespaces(doc: Doc, linux: i32): Namespaces {
  const ns = new Namespaces();
  for (let i = 0; i < COUNT; i++) unchecked(ns.paths[i] = -1);
  const a = doc.arr(linux, "namespaces");
  if (a < 0) return ns;
  const t = doc.t;
  for (let e = t.first(a); e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const type = doc.str(e, "type", true);
    const path = doc.str(e, "path");
    if (type < 0) continue;
    const i = TYPES.find(t, type);
    if (i < 0) { doc.valueError(type, "namespace type " + t.text(type) + " is unknown; use user, ipc, uts, network, pid, mount, cgroup or time."); continue; }
    if (ns.has(i)) { doc.valueError(type, "namespace " + t.text(type) + " is listed twice; keep one entry."); continue; }
    ns.listed |= 1 << i;
    if (path >= 0 && doc.absPath(path)) unchecked(ns.paths[i] = path);
  }
  return ns;
}

export function writeNamespaces(w: Writer, doc: Doc, ns: Namespaces): void {
  const t = doc.t;
  w.arr();
  for (let i = 0; i < COUNT; i++) {
    if (!ns.has(i)) continue;
    w.item();
    w.obj();
    w.key("type"); w.byte(0x22); w.ascii(TYPES.name(i)); w.byte(0x22);
    w.key("flag"); w.i64(TYPES.value(i));
    w.key("path");
    const p = unchecked(ns.paths[i]);
    if (p < 0) w.nul();
    else w.strBytes(t.start(p), t.strLen(p), (t.flags(p) & F_DECODED) == 0);
    w.endObj();
  }
  w.endArr();
}
