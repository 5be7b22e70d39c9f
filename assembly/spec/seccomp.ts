// linux.seccomp: validated (actions, architectures, flags, syscall rules and their argument
// comparisons) and written normalized, with 64-bit comparison values as decimal strings.
import { Ctx } from "../context";
import { K_OBJECT } from "../json/reader";
import { Lexicon, numbered } from "../lexicon";

const ACTIONS = numbered([
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
]);
const NOTIFY: i32 = 8;

const ARCHES = numbered([
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
]);

const FLAGS = numbered([
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
]);

const OPS = numbered([
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
]);

export function writeSeccomp(ctx: Ctx, linux: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const s = doc.obj(linux, "seccomp");
  if (s < 0) { w.nul(); return; }
  let notify = false;
  w.obj();
  w.key("defaultAction");
  const da = word(ctx, doc.str(s, "defaultAction", true), ACTIONS, "seccomp action", "SCMP_ACT_*");
  notify = da == NOTIFY;
  w.key("defaultErrnoRet"); errnoRet(ctx, s, "defaultErrnoRet");
  w.key("architectures"); words(ctx, doc.stringArray(s, "architectures"), ARCHES, "seccomp architecture", "SCMP_ARCH_*");
  w.key("flags"); words(ctx, doc.stringArray(s, "flags"), FLAGS, "seccomp flag", "SECCOMP_FILTER_FLAG_*");
  const lp = doc.str(s, "listenerPath");
  if (lp >= 0) doc.absPath(lp);
  w.key("listenerPath"); ctx.strOr(lp, "");
  w.key("listenerMetadata"); ctx.strOr(doc.str(s, "listenerMetadata"), "");
  w.key("syscalls");
  w.arr();
  const a = doc.arr(s, "syscalls");
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    w.item();
    w.obj();
    const names = doc.stringArray(e, "names", true);
    if (names >= 0 && t.size(names) == 0) doc.valueError(names, "a seccomp rule needs at least one syscall name; add names or remove the rule.");
    w.key("names"); ctx.strings(names);
    w.key("action");
    if (word(ctx, doc.str(e, "action", true), ACTIONS, "seccomp action", "SCMP_ACT_*") == NOTIFY) notify = true;
    w.key("errnoRet"); errnoRet(ctx, e, "errnoRet");
    w.key("args");
    writeArgs(ctx, doc.arr(e, "args"));
    w.endObj();
  }
  w.endArr();
  w.endObj();
  if (notify && lp < 0) doc.valueError(s, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath; set it to the agent's socket path.");
}

function writeArgs(ctx: Ctx, a: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  w.arr();
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    w.item();
    w.obj();
    w.key("index"); w.u64(doc.unsigned(e, "index", 5, 0, true));
    w.key("value"); w.u64str(doc.unsigned(e, "value", U64.MAX_VALUE, 0, true));
    w.key("valueTwo"); w.u64str(doc.unsigned(e, "valueTwo", U64.MAX_VALUE, 0));
    w.key("op"); word(ctx, doc.str(e, "op", true), OPS, "seccomp operator", "SCMP_CMP_*");
    w.endObj();
  }
  w.endArr();
}

function errnoRet(ctx: Ctx, o: i32, key: string): void {
  const n = ctx.doc.num(o, key);
  if (n < 0) ctx.w.nul();
  else ctx.w.u64(ctx.doc.unsignedAt(n, U32.MAX_VALUE, 0));
}

/** Writes a checked name from a table (or "" when absent or unknown); returns its index or -1. */
function word(ctx: Ctx, n: i32, table: Lexicon, what: string, family: string): i32 {
  if (n < 0) { ctx.w.str(""); return -1; }
  const i = table.find(ctx.doc.t, n);
  if (i < 0) ctx.doc.valueError(n, what + " " + ctx.doc.t.text(n) + " is unknown; use one of the " + family + " names.");
  ctx.str(n);
  return i;
}

function words(ctx: Ctx, a: i32, table: Lexicon, what: string, family: string): void {
  const t = ctx.doc.t;
  const w = ctx.w;
  w.arr();
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    w.item();
    word(ctx, e, table, what, family);
  }
  w.endArr();
}
