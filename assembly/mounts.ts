// Mount options as runc parses them (libcontainer/specconv): mount(2) flags and the flags they
// clear, propagation changes, recursive mount_setattr(2) attributes, and everything else joined
// into the data string. Adds the checks runc lacks: contradictory options (mount.option) and
// uid=/gid= ids that the user namespace of the mount does not map (mount.unmapped-id).
import { Ctx } from "./context";
import { K_OBJECT, F_DECODED } from "./json/reader";
import { Lexicon } from "./lexicon";

// mount(2) flags
export const MS_RDONLY: i64 = 0x1;
export const MS_NOSUID: i64 = 0x2;
export const MS_NODEV: i64 = 0x4;
export const MS_NOEXEC: i64 = 0x8;
const MS_SYNCHRONOUS: i64 = 0x10;
const MS_REMOUNT: i64 = 0x20;
const MS_MANDLOCK: i64 = 0x40;
const MS_DIRSYNC: i64 = 0x80;
const MS_NOSYMFOLLOW: i64 = 0x100;
const MS_NOATIME: i64 = 0x400;
const MS_NODIRATIME: i64 = 0x800;
export const MS_BIND: i64 = 0x1000;
export const MS_REC: i64 = 0x4000;
const MS_SILENT: i64 = 0x8000;
const MS_POSIXACL: i64 = 0x10000;
export const MS_UNBINDABLE: i64 = 0x20000;
export const MS_PRIVATE: i64 = 0x40000;
export const MS_SLAVE: i64 = 0x80000;
export const MS_SHARED: i64 = 0x100000;
const MS_RELATIME: i64 = 0x200000;
const MS_I_VERSION: i64 = 0x800000;
const MS_STRICTATIME: i64 = 0x1000000;
const MS_LAZYTIME: i64 = 0x2000000;

// mount_setattr(2) attributes
const ATTR_RDONLY: i64 = 0x1;
const ATTR_NOSUID: i64 = 0x2;
const ATTR_NODEV: i64 = 0x4;
const ATTR_NOEXEC: i64 = 0x8;
const ATTR__ATIME: i64 = 0x70;
const ATTR_RELATIME: i64 = 0x0;
const ATTR_NOATIME: i64 = 0x10;
const ATTR_STRICTATIME: i64 = 0x20;
const ATTR_NODIRATIME: i64 = 0x80;
const ATTR_NOSYMFOLLOW: i64 = 0x200000;

// kinds, in the bits above the 32-bit value
const SET: i64 = 1 << 40;
const CLEAR: i64 = 2 << 40;
const PROP: i64 = 3 << 40;
const ATTR_SET: i64 = 4 << 40;
const ATTR_CLEAR: i64 = 5 << 40;
const COPYUP: i64 = 6 << 40;
const KIND: i64 = 7 << 40;
const VALUE: i64 = 0xffffffff;

const OPTIONS = new Lexicon([
  "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
  "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
  "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "rbind",
  "relatime", "remount", "ro", "rw", "silent", "strictatime", "suid", "symfollow", "sync",
  "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
  "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime",
  "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime",
  "rnostrictatime", "rnosymfollow", "rsymfollow", "tmpcopyup",
], [
  SET | MS_POSIXACL, CLEAR | MS_SYNCHRONOUS, CLEAR | MS_NOATIME, SET | MS_BIND, SET, CLEAR | MS_NODEV,
  CLEAR | MS_NODIRATIME, SET | MS_DIRSYNC, CLEAR | MS_NOEXEC, SET | MS_I_VERSION,
  SET | MS_LAZYTIME, CLEAR | MS_SILENT, SET | MS_MANDLOCK, CLEAR | MS_POSIXACL, SET | MS_NOATIME,
  SET | MS_NODEV, SET | MS_NODIRATIME, SET | MS_NOEXEC, CLEAR | MS_I_VERSION,
  CLEAR | MS_LAZYTIME, CLEAR | MS_MANDLOCK, CLEAR | MS_RELATIME, CLEAR | MS_STRICTATIME,
  SET | MS_NOSUID, SET | MS_NOSYMFOLLOW, SET | MS_BIND | MS_REC,
  SET | MS_RELATIME, SET | MS_REMOUNT, SET | MS_RDONLY, CLEAR | MS_RDONLY, SET | MS_SILENT,
  SET | MS_STRICTATIME, CLEAR | MS_NOSUID, CLEAR | MS_NOSYMFOLLOW, SET | MS_SYNCHRONOUS,
  PROP | MS_PRIVATE, PROP | MS_PRIVATE | MS_REC, PROP | MS_SHARED, PROP | MS_SHARED | MS_REC,
  PROP | MS_SLAVE, PROP | MS_SLAVE | MS_REC, PROP | MS_UNBINDABLE, PROP | MS_UNBINDABLE | MS_REC,
  ATTR_SET | ATTR_RDONLY, ATTR_CLEAR | ATTR_RDONLY, ATTR_SET | ATTR_NOSUID, ATTR_CLEAR | ATTR_NOSUID,
  ATTR_SET | ATTR_NODEV, ATTR_CLEAR | ATTR_NODEV, ATTR_SET | ATTR_NOEXEC, ATTR_CLEAR | ATTR_NOEXEC,
  ATTR_SET | ATTR_NODIRATIME, ATTR_CLEAR | ATTR_NODIRATIME, ATTR_SET | ATTR_RELATIME,
  ATTR_CLEAR | ATTR_RELATIME, ATTR_SET | ATTR_NOATIME, ATTR_CLEAR | ATTR_NOATIME,
  ATTR_SET | ATTR_STRICTATIME, ATTR_CLEAR | ATTR_STRICTATIME, ATTR_SET | ATTR_NOSYMFOLLOW,
  ATTR_CLEAR | ATTR_NOSYMFOLLOW, COPYUP,
]);

/** The propagation words alone, for linux.rootfsPropagation. */
export function propagationFlags(ctx: Ctx, n: i32): i64 {
  const i = OPTIONS.find(ctx.doc.t, n);
  if (i >= 0 && (OPTIONS.value(i) & KIND) == PROP) return OPTIONS.value(i) & VALUE;
  return -1;
}

/** Writes plan.mounts from config.json's mounts, checking each. */
export function writeMounts(ctx: Ctx, mounts: i32): void {
  const w = ctx.w;
  const t = ctx.doc.t;
  w.arr();
  if (mounts >= 0) {
    let index = 0;
    for (let m = t.first(mounts); m >= 0; m = t.next(m), index++) {
      if (t.kind(m) != K_OBJECT) { ctx.doc.typeError(m, "an object"); continue; }
      w.item();
      writeMount(ctx, m, index);
    }
  }
  w.endArr();
}

function writeMount(ctx: Ctx, m: i32, index: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const dest = doc.str(m, "destination", true);
  const source = doc.str(m, "source");
  const type = doc.str(m, "type");
  const options = doc.stringArray(m, "options");
  if (source >= 0) doc.cstr(source);
  if (type >= 0) doc.cstr(type);

  let flags: i64 = 0, clear: i64 = 0, attrSet: i64 = 0, attrClr: i64 = 0;
  let seenSet: i64 = 0, seenClear: i64 = 0, seenASet: i64 = 0, seenAClr: i64 = 0;
  let prop: i64 = -1;
  let copyUp = false;
  const count = options >= 0 ? t.size(options) : 0;
  // per option: its table index, or -1 for data
  const kinds = heap.alloc(<usize>count << 2);
  let j = 0;
  for (let o = options >= 0 ? t.first(options) : -1; o >= 0; o = t.next(o), j++) {
    const i = OPTIONS.find(t, o);
    store<i32>(kinds + (<usize>j << 2), i);
    if (i < 0) { checkDataOption(ctx, o); continue; }
    const v = OPTIONS.value(i) & VALUE;
    const k = OPTIONS.value(i) & KIND;
    let conflict = false;
    if (k == SET) { conflict = (seenClear & v) != 0; flags |= v; clear &= ~v; seenSet |= v; }
    else if (k == CLEAR) { conflict = (seenSet & v) != 0; flags &= ~v; clear |= v; seenClear |= v; }
    else if (k == PROP) { conflict = prop >= 0 && prop != v; prop = v; }
    else if (k == ATTR_SET) {
      conflict = (seenAClr & v) != 0;
      attrSet |= v; seenASet |= v;
      // mount_setattr(2): an access-time mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr
      if ((v & ATTR__ATIME) == v) attrClr |= ATTR__ATIME;
    } else if (k == ATTR_CLEAR) { conflict = (seenASet & v) != 0; attrClr |= v; seenAClr |= v; }
    else copyUp = true;
    if (conflict) {
      ctx.r.error("mount.option", doc.path(o), "mount option " + t.text(o) + " contradicts an earlier option of this mount; keep only one of them.");
    }
  }

  // a fixed shape: member names with their commas as literals (w.raw), one cached copy each
  w.ascii("{\"destination\":");
  if (dest < 0) w.str("");
  else if (t.strLen(dest) > 0 && load<u8>(t.start(dest)) == 0x2f) { doc.cstr(dest); ctx.str(dest); }
  else {
    // runc 1.1 accepts a relative destination as relative to "/" and warns
    doc.cstr(dest);
    ctx.r.warn("mount.relative-destination", doc.path(dest), "mount destination " + t.text(dest) + " is relative and is taken as /" + t.text(dest) + "; write it as an absolute path.");
    w.str("/" + t.text(dest));
  }
  w.ascii(",\"source\":"); ctx.strOr(source, "");
  w.ascii(",\"type\":"); ctx.strOr(type, "");
  w.ascii(",\"flags\":"); w.i64(flags);
  w.ascii(",\"clearFlags\":"); w.i64(clear);
  w.ascii(",\"propagation\":");
  w.arr();
  j = 0;
  for (let o = options >= 0 ? t.first(options) : -1; o >= 0; o = t.next(o), j++) {
    const i = load<i32>(kinds + (<usize>j << 2));
    if (i >= 0 && (OPTIONS.value(i) & KIND) == PROP) { w.item(); w.i64(OPTIONS.value(i) & VALUE); }
  }
  w.endArr();
  w.ascii(",\"attrSet\":"); w.i64(attrSet);
  w.ascii(",\"attrClr\":"); w.i64(attrClr);
  w.ascii(",\"data\":");
  w.byte(0x22);
  let first = true;
  j = 0;
  for (let o = options >= 0 ? t.first(options) : -1; o >= 0; o = t.next(o), j++) {
    if (load<i32>(kinds + (<usize>j << 2)) >= 0) continue;
    if (!first) w.byte(0x2c);
    first = false;
    w.body(t.start(o), t.strLen(o), (t.flags(o) & F_DECODED) == 0);
  }
  w.byte(0x22);
  w.ascii(",\"copyUp\":"); w.bool(copyUp);
  w.ascii(",\"index\":"); w.i64(index);
  w.byte(0x7d);
}

/**
 * Options that go to the filesystem as data: they must be single options (no ',' or NUL), and a
 * uid=N / gid=N must name an id the mount's user namespace maps, or the kernel refuses the mount.
 */
function checkDataOption(ctx: Ctx, o: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const p = t.start(o);
  const len = t.strLen(o);
  if (len == 0) {
    ctx.r.error("mount.option", doc.path(o), "an empty mount option cannot be parsed; remove it.");
    return;
  }
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 0x2c || c == 0) {
      ctx.r.error("mount.option", doc.path(o), "mount option " + t.text(o) + " holds a comma or NUL, which would split it; give each option as its own array element.");
      return;
    }
  }
  const isUid = t.startsWith(o, "uid=");
  if (!isUid && !t.startsWith(o, "gid=")) return;
  let v: u64 = 0;
  let ok = len > 4 && len <= 14;
  for (let i = 4; i < len && ok; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c < 0x30 || c > 0x39) ok = false;
    else v = v * 10 + <u64>(c - 0x30);
  }
  if (!ok || v > <u64>U32.MAX_VALUE) {
    ctx.r.error("mount.option", doc.path(o), "mount option " + t.text(o) + " needs a numeric id from 0 to 4294967295; write it as " + (isUid ? "uid" : "gid") + "=N.");
    return;
  }
  if (!ctx.mapped(v, !isUid)) {
    const where = ctx.ids.newUserNs ? "the container's user namespace (linux." + (isUid ? "uidMappings" : "gidMappings") + ")" : "the runtime's user namespace (/proc/self/" + (isUid ? "uid_map" : "gid_map") + ")";
    ctx.r.error("mount.unmapped-id", doc.path(o), "mount option " + t.text(o) + " names " + (isUid ? "uid " : "gid ") + v.toString() + ", which is not mapped in " + where + "; map that id or remove the option.");
  }
}
