// plan: the normalized spec the host executes, fields in the order of host/types.ts Plan.
// Validation and writing happen in one pass; the plan is only returned when no error was found.
import { Ctx } from "./context";
import { lastMembers } from "./json/members";
import { K_STRING } from "./json/reader";
import { writeMounts, propagationFlags, MS_SLAVE, MS_REC } from "./mounts";
import { writeProcess } from "./spec/process";
import { Namespaces, writeNamespaces, NS_UTS } from "./spec/namespaces";
import { writeDevices, writePaths, writeSysctl, writePersonality, writeTimeOffsets, checkIntelRdt } from "./spec/linux";
import { writeHooks } from "./spec/hooks";
import { writeSeccomp } from "./spec/seccomp";
import { writeCgroup } from "./cgroup";

export function writePlan(ctx: Ctx, ns: Namespaces, linux: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  w.obj();
  w.key("ociVersion"); ctx.strOr(doc.str(0, "ociVersion", true), "");

  const root = doc.obj(0, "root", true);
  const rootPath = doc.str(root, "path", root >= 0);
  if (rootPath >= 0) {
    doc.cstr(rootPath);
    if (t.strLen(rootPath) == 0) doc.valueError(rootPath, "/root/path is empty; set it to the root filesystem's directory (e.g. \"rootfs\").");
  }
  w.key("root");
  w.obj();
  w.key("path"); ctx.strOr(rootPath, "");
  w.key("readonly"); w.bool(doc.bool(root, "readonly", false));
  w.endObj();

  w.key("hostname"); ctx.strOrNull(nameNeedingUts(ctx, ns, "hostname"));
  w.key("domainname"); ctx.strOrNull(nameNeedingUts(ctx, ns, "domainname"));

  w.key("namespaces"); writeNamespaces(w, doc, ns);
  w.key("cloneFlags"); w.i64(ns.cloneFlags);
  w.key("newUserNamespace"); w.bool(ctx.ids.newUserNs);
  w.key("uidMap");
  if (ctx.ids.newUserNs) ctx.ids.uidMaps.writeLines(w); else w.str("");
  w.key("gidMap");
  if (ctx.ids.newUserNs) ctx.ids.gidMaps.writeLines(w); else w.str("");

  w.key("mounts"); writeMounts(ctx, doc.arr(0, "mounts"));

  w.key("rootfsPropagation");
  const rp = doc.str(linux, "rootfsPropagation");
  let prop: i64 = MS_SLAVE | MS_REC;
  if (rp >= 0) {
    prop = propagationFlags(ctx, rp);
    if (prop < 0) doc.valueError(rp, "rootfsPropagation " + t.text(rp) + " is unknown; use private, rprivate, slave, rslave, shared, rshared, unbindable or runbindable.");
  }
  w.i64(prop < 0 ? 0 : prop);

  w.key("devices"); writeDevices(ctx, linux);
  w.key("process"); writeProcess(ctx, ctx.facts.isCommand("create") || ctx.facts.isCommand("run"));
  w.key("maskedPaths"); writePaths(ctx, linux, "maskedPaths");
  w.key("readonlyPaths"); writePaths(ctx, linux, "readonlyPaths");
  w.key("sysctl"); writeSysctl(ctx, linux, ns);
  w.key("cgroup"); writeCgroup(ctx, linux);
  w.key("hooks"); writeHooks(ctx);
  w.key("seccomp"); writeSeccomp(ctx, linux);
  w.key("personality"); writePersonality(ctx, linux);
  w.key("timeOffsets"); writeTimeOffsets(ctx, linux, ns);
  w.key("annotations"); writeAnnotations(ctx);
  const label = doc.str(linux, "mountLabel");
  w.key("mountLabel"); ctx.strOr(label, "");
  checkIntelRdt(ctx, linux);
  w.endObj();
}

/** hostname / domainname: a string that only a UTS namespace of the container's own may set. */
function nameNeedingUts(ctx: Ctx, ns: Namespaces, key: string): i32 {
  const doc = ctx.doc;
  const n = doc.str(0, key);
  if (n < 0) return -1;
  doc.cstr(n);
  if (doc.t.strLen(n) > 0 && !ns.has(NS_UTS)) {
    doc.valueError(n, key + " can only be set in a UTS namespace of the container's own; add {\"type\": \"uts\"} to linux.namespaces or remove " + key + ".");
  }
  return n;
}

/** annotations as [{key, value}] in document order, the last of duplicate keys winning. */
function writeAnnotations(ctx: Ctx): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const o = doc.obj(0, "annotations");
  w.arr();
  if (o >= 0) {
    const keys = lastMembers(t, o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (t.kind(k + 1) != K_STRING) { doc.typeError(k + 1, "a string"); continue; }
      w.item();
      w.obj();
      w.key("key"); ctx.str(k);
      w.key("value"); ctx.str(k + 1);
      w.endObj();
    }
  }
  w.endArr();
}
