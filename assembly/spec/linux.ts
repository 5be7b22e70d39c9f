// The smaller linux.* sections: devices (merged with runc's defaults), sysctl (checked against
// the namespaces as runc does), masked and read-only paths, personality, time offsets, Intel RDT.
import { Ctx } from "../context";
import { K_OBJECT, K_STRING } from "../json/reader";
import { lastMembers } from "../json/members";
import { Namespaces, NS_IPC, NS_NET, NS_UTS, NS_TIME } from "./namespaces";

/** runc's default device nodes: /dev/null, zero, full, random, urandom, tty, all 0666 root. */
const DEFAULT_PATHS: string[] = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];
const DEFAULT_MAJOR: i32[] = [1, 1, 1, 1, 1, 5];
const DEFAULT_MINOR: i32[] = [3, 5, 7, 8, 9, 0];
/** ... and each one's plan entry, written as a whole */
const DEFAULT_JSON: string[] = [
  "{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":0}",
  "{\"path\":\"/dev/zero\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":0,\"gid\":0}",
  "{\"path\":\"/dev/full\",\"type\":\"c\",\"major\":1,\"minor\":7,\"fileMode\":438,\"uid\":0,\"gid\":0}",
  "{\"path\":\"/dev/random\",\"type\":\"c\",\"major\":1,\"minor\":8,\"fileMode\":438,\"uid\":0,\"gid\":0}",
  "{\"path\":\"/dev/urandom\",\"type\":\"c\",\"major\":1,\"minor\":9,\"fileMode\":438,\"uid\":0,\"gid\":0}",
  "{\"path\":\"/dev/tty\",\"type\":\"c\",\"major\":5,\"minor\":0,\"fileMode\":438,\"uid\":0,\"gid\":0}",
];

/** plan.devices: the defaults, each replaced by a linux.devices entry of the same path, then the rest. */
export function writeDevices(ctx: Ctx, linux: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const a = doc.arr(linux, "devices");
  // checked entries, and which default each one overrides (-1: none)
  const entries: i32[] = [];
  const overrides: i32[] = [];
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    if (!checkDevice(ctx, e)) continue;
    const path = t.get(e, "path");
    let o = -1;
    for (let i = 0; i < DEFAULT_PATHS.length; i++) if (t.eq(path, DEFAULT_PATHS[i])) o = i;
    entries.push(e);
    overrides.push(o);
  }
  w.arr();
  for (let i = 0; i < DEFAULT_PATHS.length; i++) {
    const k = overrides.lastIndexOf(i);
    w.item();
    if (k >= 0) { writeDevice(ctx, entries[k]); continue; }
    w.ascii(unchecked(DEFAULT_JSON[i]));
  }
  for (let k = 0; k < entries.length; k++) {
    if (overrides[k] >= 0) continue;
    w.item();
    writeDevice(ctx, entries[k]);
  }
  w.endArr();
}

function checkDevice(ctx: Ctx, e: i32): bool {
  const doc = ctx.doc;
  const t = doc.t;
  if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); return false; }
  const path = doc.str(e, "path", true);
  const type = doc.str(e, "type", true);
  let ok = path >= 0 && type >= 0 && doc.absPath(path);
  if (type >= 0 && !(t.eq(type, "c") || t.eq(type, "b") || t.eq(type, "u") || t.eq(type, "p"))) {
    doc.valueError(type, "device type " + t.text(type) + " is unknown; use c, b, u or p.");
    ok = false;
  }
  const needsNumbers = type >= 0 && !t.eq(type, "p");
  const errors = ctx.r.errors.length;
  doc.signed(e, "major", 0, U32.MAX_VALUE, 0, needsNumbers);
  doc.signed(e, "minor", 0, U32.MAX_VALUE, 0, needsNumbers);
  // podman writes st_mode (type bits included, 0o20666); runc masks the type bits off (S_IFMT)
  doc.unsigned(e, "fileMode", 0o177777, 0o666);
  doc.unsigned(e, "uid", U32.MAX_VALUE, 0);
  doc.unsigned(e, "gid", U32.MAX_VALUE, 0);
  return ok && ctx.r.errors.length == errors;
}

/** A checked linux.devices entry (numbers re-read silently: they were reported by checkDevice). */
function writeDevice(ctx: Ctx, e: i32): void {
  const t = ctx.doc.t;
  const w = ctx.w;
  const quiet = ctx.doc.quiet();
  w.obj();
  w.key("path"); ctx.str(t.get(e, "path"));
  w.key("type"); ctx.str(t.get(e, "type"));
  w.key("major"); w.i64(quiet.signed(e, "major", 0, U32.MAX_VALUE, 0));
  w.key("minor"); w.i64(quiet.signed(e, "minor", 0, U32.MAX_VALUE, 0));
  w.key("fileMode"); w.u64(quiet.unsigned(e, "fileMode", 0o177777, 0o666) & 0o7777);
  w.key("uid"); w.u64(quiet.unsigned(e, "uid", U32.MAX_VALUE, 0));
  w.key("gid"); w.u64(quiet.unsigned(e, "gid", U32.MAX_VALUE, 0));
  w.endObj();
}

/** linux.maskedPaths / readonlyPaths: absolute paths. */
export function writePaths(ctx: Ctx, linux: i32, key: string): void {
  const doc = ctx.doc;
  const a = doc.stringArray(linux, key);
  if (a >= 0) for (let e = doc.t.first(a); e >= 0; e = doc.t.next(e)) doc.absPath(e);
  ctx.strings(a);
}

const IPC_SYSCTLS: string[] = [
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
  "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
];

/** linux.sysctl as [{key, value}], each allowed only where runc allows it: in a namespace of the container's own. */
export function writeSysctl(ctx: Ctx, linux: i32, ns: Namespaces): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const o = doc.obj(linux, "sysctl");
  w.arr();
  if (o >= 0) {
    const keys = lastMembers(t, o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = k + 1;
      if (t.kind(v) != K_STRING) { doc.typeError(v, "a string"); continue; }
      if (!doc.cstr(v) || !sysctlAllowed(ctx, k, v, ns)) continue;
      w.item();
      w.obj();
      w.key("key"); ctx.str(k);
      w.key("value"); ctx.str(v);
      w.endObj();
    }
  }
  w.endArr();
}

function sysctlAllowed(ctx: Ctx, k: i32, v: i32, ns: Namespaces): bool {
  const t = ctx.doc.t;
  let needs = -1;
  let what = "";
  for (let i = 0; i < IPC_SYSCTLS.length && needs < 0; i++) if (t.eq(k, IPC_SYSCTLS[i])) needs = NS_IPC;
  if (needs >= 0 || t.startsWith(k, "fs.mqueue.")) { needs = NS_IPC; what = "an ipc"; }
  else if (t.startsWith(k, "net.")) { needs = NS_NET; what = "a network"; }
  else if (t.eq(k, "kernel.domainname")) { needs = NS_UTS; what = "a uts"; }
  else if (t.eq(k, "kernel.hostname")) {
    ctx.doc.valueError(v, "sysctl kernel.hostname cannot be set; use the hostname field instead.");
    return false;
  } else {
    ctx.doc.valueError(v, "sysctl " + t.text(k) + " is not isolated by any namespace and would change the host; remove it.");
    return false;
  }
  if (ns.has(needs)) return true;
  ctx.doc.valueError(v, "sysctl " + t.text(k) + " needs " + what + " namespace in linux.namespaces; add one or remove the sysctl.");
  return false;
}

/** linux.personality: domain LINUX (0) or LINUX32 (8), flags passed through. */
export function writePersonality(ctx: Ctx, linux: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const p = doc.obj(linux, "personality");
  if (p < 0) { w.nul(); return; }
  const d = doc.str(p, "domain", true);
  let domain: i64 = 0;
  if (d >= 0) {
    if (t.eq(d, "LINUX32")) domain = 8;
    else if (!t.eq(d, "LINUX")) doc.valueError(d, "personality domain " + t.text(d) + " is unknown; use LINUX or LINUX32.");
  }
  w.obj();
  w.key("domain"); w.i64(domain);
  w.key("flags"); ctx.strings(doc.stringArray(p, "flags"));
  w.endObj();
}

/** linux.timeOffsets: monotonic and boottime offsets, which need a time namespace. */
export function writeTimeOffsets(ctx: Ctx, linux: i32, ns: Namespaces): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const o = doc.obj(linux, "timeOffsets");
  if (o < 0) { w.nul(); return; }
  if (!ns.created(NS_TIME)) doc.valueError(o, "/linux/timeOffsets needs a new time namespace; add {\"type\": \"time\"} to linux.namespaces.");
  w.obj();
  for (let k = t.first(o); k >= 0; k = t.next(k)) {
    const isMono = t.eq(k, "monotonic");
    if (!isMono && !t.eq(k, "boottime")) {
      doc.valueError(k + 1, "time offset clock " + t.text(k) + " is unknown; use monotonic or boottime.");
      continue;
    }
    if (t.get(o, isMono ? "monotonic" : "boottime") != k + 1) continue;
    const v = k + 1;
    if (t.kind(v) != K_OBJECT) { doc.typeError(v, "an object"); continue; }
    w.key(isMono ? "monotonic" : "boottime");
    w.obj();
    w.key("secs"); w.i64(doc.signed(v, "secs", I64.MIN_VALUE, I64.MAX_VALUE, 0));
    w.key("nanosecs"); w.i64(doc.signed(v, "nanosecs", 0, 999999999, 0));
    w.endObj();
  }
  w.endObj();
}

/** linux.intelRdt: checked for types only; the runtime does not apply it. */
export function checkIntelRdt(ctx: Ctx, linux: i32): void {
  const doc = ctx.doc;
  const o = doc.obj(linux, "intelRdt");
  if (o < 0) return;
  doc.str(o, "closID");
  doc.str(o, "l3CacheSchema");
  doc.str(o, "memBwSchema");
  doc.bool(o, "enableCMT", false);
  doc.bool(o, "enableMBM", false);
}
