// config.json's process: validated and written as plan.process, with capabilities as bit sets,
// rlimits as resource numbers, and the identity checks (user.unmapped, user.additional-gids).
import { Ctx } from "../context";
import { K_OBJECT } from "../json/reader";
import { Lexicon, numbered } from "../lexicon";

const CAPABILITIES = numbered([
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
]);

const RLIMITS = numbered([
  "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
  "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
  "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
]);

const IOPRIO_CLASSES = new Lexicon(["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"], [1, 2, 3]);

const SCHED_POLICIES = numbered([
  "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
]);

const SCHED_FLAGS = new Lexicon([
  "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
  "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
], [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40]);

/** process is required to create or run a container, optional otherwise (runtime-spec). */
export function writeProcess(ctx: Ctx, required: bool): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const p = doc.obj(0, "process", required);
  if (p < 0) { w.nul(); return; }
  w.obj();
  w.key("terminal"); w.bool(doc.bool(p, "terminal", false));
  w.key("consoleSize");
  const cs = doc.obj(p, "consoleSize");
  if (cs < 0) w.nul();
  else {
    w.obj();
    w.key("height"); w.u64(doc.unsigned(cs, "height", U32.MAX_VALUE, 0, true));
    w.key("width"); w.u64(doc.unsigned(cs, "width", U32.MAX_VALUE, 0, true));
    w.endObj();
  }
  const args = doc.stringArray(p, "args", true);
  if (args >= 0) {
    if (t.size(args) == 0) doc.valueError(args, "/process/args is empty; give at least the program to run.");
    for (let e = t.first(args); e >= 0; e = t.next(e)) doc.cstr(e);
  }
  w.key("args"); ctx.strings(args);
  const env = doc.stringArray(p, "env");
  if (env >= 0) for (let e = t.first(env); e >= 0; e = t.next(e)) doc.cstr(e);
  w.key("env"); writeEnv(ctx, env);
  const cwd = doc.str(p, "cwd", true);
  if (cwd >= 0) doc.absPath(cwd);
  w.key("cwd"); ctx.strOr(cwd, "/");
  writeUser(ctx, p);
  w.key("noNewPrivileges"); w.bool(doc.bool(p, "noNewPrivileges", false));
  w.key("oomScoreAdj");
  const oom = doc.num(p, "oomScoreAdj");
  if (oom < 0) w.nul();
  else w.i64(doc.signedAt(oom, -1000, 1000, 0));
  const aa = doc.str(p, "apparmorProfile");
  w.key("apparmorProfile"); ctx.strOr(aa, "");
  const se = doc.str(p, "selinuxLabel");
  w.key("selinuxLabel"); ctx.strOr(se, "");
  writeCapabilities(ctx, doc.obj(p, "capabilities"));
  writeRlimits(ctx, doc.arr(p, "rlimits"));
  writeIoPriority(ctx, doc.obj(p, "ioPriority"));
  writeScheduler(ctx, doc.obj(p, "scheduler"));
  w.key("listenFds"); w.u64(listenFds(ctx));
  w.endObj();
}

/** socket activation reaches the container's init only (runc: create and run, not exec) */
function listenFds(ctx: Ctx): u64 {
  const f = ctx.facts;
  return f.isCommand("create") || f.isCommand("run") ? f.listenFds : 0;
}

/** the spec's env, plus LISTEN_FDS and LISTEN_PID=1 when socket-activation fds are passed on */
function writeEnv(ctx: Ctx, env: i32): void {
  const n = listenFds(ctx);
  if (n == 0) { ctx.strings(env); return; }
  const w = ctx.w;
  const t = ctx.doc.t;
  w.arr();
  if (env >= 0) for (let e = t.first(env); e >= 0; e = t.next(e)) { w.item(); ctx.str(e); }
  w.item(); w.str("LISTEN_FDS=" + n.toString());
  w.item(); w.str("LISTEN_PID=1");
  w.endArr();
}

function writeUser(ctx: Ctx, p: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const u = doc.obj(p, "user", true);
  const uid = doc.unsigned(u, "uid", U32.MAX_VALUE, 0, u >= 0);
  const gid = doc.unsigned(u, "gid", U32.MAX_VALUE, 0, u >= 0);
  if (u >= 0) {
    checkMapped(ctx, doc.t.get(u, "uid"), uid, false);
    checkMapped(ctx, doc.t.get(u, "gid"), gid, true);
  }
  w.key("uid"); w.u64(uid);
  w.key("gid"); w.u64(gid);
  w.key("umask");
  const um = doc.num(u, "umask");
  if (um < 0) w.nul();
  else w.u64(doc.unsignedAt(um, 0o7777, 0o022));
  w.key("additionalGids");
  w.arr();
  const ag = doc.arr(u, "additionalGids");
  if (ag >= 0) {
    for (let e = t.first(ag); e >= 0; e = t.next(e)) {
      w.item();
      w.u64(doc.unsignedAt(e, U32.MAX_VALUE, 0));
    }
  }
  w.endArr();
  checkAdditionalGids(ctx, ag);
}

function checkMapped(ctx: Ctx, n: i32, id: u64, gid: bool): void {
  if (n < 0 || ctx.mapped(id, gid)) return;
  const what = gid ? "gid " : "uid ";
  const where = ctx.ids.newUserNs ? "linux." + (gid ? "gidMappings" : "uidMappings") : "the runtime's user namespace";
  ctx.r.error("user.unmapped", ctx.doc.path(n), "process.user " + what + id.toString() + " is not mapped in " + where + "; map it or run the process as a mapped id.");
}

function checkAdditionalGids(ctx: Ctx, ag: i32): void {
  if (ag < 0 || ctx.doc.t.size(ag) == 0 || ctx.d.additionalGids.b) return;
  const d = ctx.d;
  const why = d.setgroups.word == "deny"
    ? "setgroups is denied in a rootless user namespace written without newgidmap"
    : "gid " + d.unmappedGid.toString() + " is not mapped in the container's user namespace";
  ctx.r.error("user.additional-gids", ctx.doc.path(ag), "process.user.additionalGids cannot be applied because " + why + "; remove them or map them through newgidmap with /etc/subgid ranges.");
}

function writeCapabilities(ctx: Ctx, caps: i32): void {
  const w = ctx.w;
  w.key("capabilities");
  w.obj();
  w.key("bounding"); w.i64(capSet(ctx, caps, "bounding"));
  w.key("effective"); w.i64(capSet(ctx, caps, "effective"));
  w.key("inheritable"); w.i64(capSet(ctx, caps, "inheritable"));
  w.key("permitted"); w.i64(capSet(ctx, caps, "permitted"));
  w.key("ambient"); w.i64(capSet(ctx, caps, "ambient"));
  w.endObj();
}

/** One capability list as a bit set; unknown names are dropped with a warning, as runc does. */
function capSet(ctx: Ctx, caps: i32, key: string): i64 {
  const doc = ctx.doc;
  const t = doc.t;
  const a = doc.stringArray(caps, key);
  let set: i64 = 0;
  if (a < 0) return 0;
  for (let e = t.first(a); e >= 0; e = t.next(e)) {
    const i = CAPABILITIES.find(t, e);
    if (i >= 0) set |= <i64>1 << CAPABILITIES.value(i);
    else ctx.r.warn("spec.capability-unknown", doc.path(e), "capability " + t.text(e) + " is not known to this runtime and is ignored; check its spelling (CAP_ prefix, upper case).");
  }
  return set;
}

function writeRlimits(ctx: Ctx, a: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  w.key("rlimits");
  w.arr();
  let seen = 0;
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const type = doc.str(e, "type", true);
    const soft = doc.unsigned(e, "soft", U64.MAX_VALUE, 0, true);
    const hard = doc.unsigned(e, "hard", U64.MAX_VALUE, 0, true);
    if (type < 0) continue;
    const i = RLIMITS.find(t, type);
    if (i < 0) { doc.valueError(type, "rlimit type " + t.text(type) + " is unknown; use one of RLIMIT_CPU ... RLIMIT_RTTIME."); continue; }
    if ((seen & (1 << i)) != 0) { doc.valueError(type, "rlimit " + t.text(type) + " is given twice; keep one entry per type."); continue; }
    seen |= 1 << i;
    if (soft > hard) doc.valueError(e, "rlimit " + t.text(type) + " has soft " + soft.toString() + " above hard " + hard.toString() + "; lower soft or raise hard.");
    w.item();
    w.obj();
    w.key("type"); ctx.str(type);
    w.key("resource"); w.i64(RLIMITS.value(i));
    w.key("soft"); w.u64str(soft);
    w.key("hard"); w.u64str(hard);
    w.endObj();
  }
  w.endArr();
}

/** Extension: process.ioPriority as {class: IOPRIO_CLASS_* number, priority}. */
function writeIoPriority(ctx: Ctx, io: i32): void {
  const doc = ctx.doc;
  const w = ctx.w;
  w.key("ioPriority");
  if (io < 0) { w.nul(); return; }
  const cls = doc.str(io, "class", true);
  let c: i64 = 0;
  if (cls >= 0) {
    const i = IOPRIO_CLASSES.find(doc.t, cls);
    if (i < 0) doc.valueError(cls, "ioPriority class " + doc.t.text(cls) + " is unknown; use IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE.");
    else c = IOPRIO_CLASSES.value(i);
  }
  w.obj();
  w.key("class"); w.i64(c);
  w.key("priority"); w.i64(doc.signed(io, "priority", 0, 7, 0));
  w.endObj();
}

/** Extension: process.scheduler with the policy and flags as numbers (sched_setattr(2)). */
function writeScheduler(ctx: Ctx, s: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  w.key("scheduler");
  if (s < 0) { w.nul(); return; }
  const pol = doc.str(s, "policy", true);
  let policy: i64 = 0;
  if (pol >= 0) {
    const i = SCHED_POLICIES.find(t, pol);
    if (i < 0) doc.valueError(pol, "scheduler policy " + t.text(pol) + " is unknown; use one of SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE.");
    else policy = SCHED_POLICIES.value(i);
  }
  let flags: i64 = 0;
  const fl = doc.stringArray(s, "flags");
  for (let e = fl >= 0 ? t.first(fl) : -1; e >= 0; e = t.next(e)) {
    const i = SCHED_FLAGS.find(t, e);
    if (i < 0) doc.valueError(e, "scheduler flag " + t.text(e) + " is unknown; use SCHED_FLAG_* names from sched_setattr(2).");
    else flags |= SCHED_FLAGS.value(i);
  }
  w.obj();
  w.key("policy"); w.i64(policy);
  w.key("nice"); w.i64(doc.signed(s, "nice", -20, 19, 0));
  w.key("priority"); w.i64(doc.signed(s, "priority", I32.MIN_VALUE, I32.MAX_VALUE, 0));
  w.key("flags"); w.i64(flags);
  w.key("runtime"); w.u64str(doc.unsigned(s, "runtime", U64.MAX_VALUE, 0));
  w.key("deadline"); w.u64str(doc.unsigned(s, "deadline", U64.MAX_VALUE, 0));
  w.key("period"); w.u64str(doc.unsigned(s, "period", U64.MAX_VALUE, 0));
  w.endObj();
}

