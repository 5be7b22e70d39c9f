// One decide() call: read the facts, read the spec's identity view, make the decisions, check
// and plan the spec, and write the result. Every problem becomes an error value; nothing traps.
import { parse, Tape, K_OBJECT, K_ARRAY } from "./json/reader";
import { readU64, numU, NUM_OK } from "./json/numbers";
import { Doc } from "./json/access";
import { Writer } from "./json/writer";
import { Report, writeProblems } from "./report";
import { Facts, readFacts } from "./facts";
import { SpecIds, Decisions, decide, writeDecisions } from "./rootless";
import { readSpecMap, checkSpecMap } from "./idmap";
import { readNamespaces, Namespaces, NS_USER } from "./spec/namespaces";
import { Ctx } from "./context";
import { writePlan } from "./plan";

/** Inputs past these sizes are refused before parsing (see host/types.ts Result for memory figures). */
const MAX_FACTS: i32 = 1 << 20;
const MAX_SPEC: i32 = 16 << 20;

/**
 * The result in two pieces, so a large plan is not copied into the head writer: `run` leaves the
 * head (everything up to `"plan":`) and the plan writer, or a null plan when the head is whole.
 */
export let resultPlan: Writer | null = null;

export function run(factsPtr: usize, factsLen: i32, specPtr: usize, specLen: i32): Writer {
  const r = new Report();
  const facts = readFactsInput(r, factsPtr, factsLen);
  const out = new Writer(specLen > 0 ? 16384 : 2048);
  let d: Decisions | null = null;
  let plan: Writer | null = null;
  if (facts != null) {
    const ids = new SpecIds();
    const doc = specLen > 0 ? readSpecInput(r, specPtr, specLen) : null;
    let ns = new Namespaces();
    let linux = -1;
    if (doc != null) {
      linux = doc.obj(0, "linux");
      ns = readNamespaces(doc, linux);
      readIds(doc, linux, ns, ids);
    }
    const dd = decide(facts, ids);
    d = dd;
    if (doc != null) {
      checkIdentity(doc, facts, ids, dd, ns);
      const pw = new Writer(8192);
      writePlan(new Ctx(doc, facts, ids, dd, pw), ns, linux);
      plan = pw;
    }
    checkCommand(r, facts, dd);
  }
  out.obj();
  out.key("abi"); out.i64(1);
  out.key("ok"); out.bool(r.ok);
  out.key("errors"); writeProblems(out, r.errors);
  out.key("warnings"); writeProblems(out, r.warnings);
  out.key("decisions");
  if (d != null && facts != null) writeDecisions(out, d, facts); else out.nul();
  out.key("plan");
  if (plan != null && r.ok) {
    // index.ts places the plan and the closing brace after the head
    resultPlan = plan;
    return out;
  }
  resultPlan = null;
  out.nul();
  out.endObj();
  return out;
}

function syntaxError(r: Report, code: string, prefix: string, t: Tape, what: string): void {
  r.error(code, prefix + t.errPath, what + " is not valid JSON: " + t.errMsg + " (at byte " + t.errPos.toString() + "); fix the document there.");
}

function readFactsInput(r: Report, p: usize, len: i32): Facts | null {
  if (len <= 0 || len > MAX_FACTS) {
    r.error("facts.syntax", "/facts", "the facts are " + (len <= 0 ? "empty" : "larger than 1 MiB") + "; pass the facts object the host gathered.");
    return null;
  }
  const t = parse(p, len);
  if (t.errPos >= 0) { syntaxError(r, "facts.syntax", "/facts", t, "the facts document"); return null; }
  const f = readFacts(new Doc(t, r, "/facts", "facts"));
  return r.ok ? f : null;
}

function readSpecInput(r: Report, p: usize, len: i32): Doc | null {
  if (len > MAX_SPEC) {
    r.error("spec.value", "", "config.json is larger than 16 MiB; shrink it (large annotations or hook lists are the usual cause).");
    return null;
  }
  const t = parse(p, len);
  if (t.errPos >= 0) { syntaxError(r, "spec.syntax", "", t, "config.json"); return null; }
  const doc = new Doc(t, r, "", "spec");
  if (t.kind(0) != K_OBJECT) { doc.typeError(0, "an object"); return null; }
  return doc;
}

/** The spec's identity view the decisions need; additionalGids are read quietly (process.ts reports them). */
function readIds(doc: Doc, linux: i32, ns: Namespaces, ids: SpecIds): void {
  const t = doc.t;
  ids.userNs = ns.has(NS_USER);
  ids.userNsJoined = ns.joined(NS_USER);
  ids.uidMaps = readSpecMap(doc, doc.arr(linux, "uidMappings"));
  ids.gidMaps = readSpecMap(doc, doc.arr(linux, "gidMappings"));
  const ag = t.get(t.get(t.get(0, "process"), "user"), "additionalGids");
  if (ag >= 0 && t.kind(ag) == K_ARRAY) {
    for (let e = t.first(ag); e >= 0; e = t.next(e)) {
      if (readU64(t, e, U32.MAX_VALUE) == NUM_OK) ids.additionalGids.push(numU);
    }
  }
}

/** Spec-level rootless and id-map checks of the contract. */
function checkIdentity(doc: Doc, f: Facts, ids: SpecIds, d: Decisions, ns: Namespaces): void {
  const r = doc.r;
  const linux = doc.t.get(0, "linux");
  const uidArr = doc.t.get(linux, "uidMappings");
  const gidArr = doc.t.get(linux, "gidMappings");
  if (!ids.userNs && (ids.uidMaps.length > 0 || ids.gidMaps.length > 0)) {
    r.error("spec.value", ids.uidMaps.length > 0 ? "/linux/uidMappings" : "/linux/gidMappings", "id mappings are given but linux.namespaces has no user namespace; add {\"type\": \"user\"} or remove the mappings.");
  }
  if (!d.rootlessEuid.b && ids.newUserNs) {
    if (ids.uidMaps.length == 0) r.error("spec.required", "/linux/uidMappings", "a new user namespace needs linux.uidMappings; map the container's ids to host ids.");
    if (ids.gidMaps.length == 0) r.error("spec.required", "/linux/gidMappings", "a new user namespace needs linux.gidMappings; map the container's ids to host ids.");
  }
  if (d.rootlessEuid.b) {
    if (!ids.userNs) {
      r.error("rootless.userns-required", "/linux/namespaces", "a rootless runtime (uid " + f.euid.toString() + ") needs a user namespace; add {\"type\": \"user\"} to linux.namespaces (runc spec --rootless does this).");
    } else if (ids.newUserNs) {
      if (ids.uidMaps.length == 0) r.error("rootless.uidmap-required", "/linux/uidMappings", "a rootless runtime needs linux.uidMappings for its new user namespace; map at least your own uid (" + f.euid.toString() + ").");
      if (ids.gidMaps.length == 0) r.error("rootless.gidmap-required", "/linux/gidMappings", "a rootless runtime needs linux.gidMappings for its new user namespace; map at least your own gid (" + f.egid.toString() + ").");
    }
  }
  if (!ids.newUserNs) return;
  checkSpecMap(doc, uidArr, ids.uidMaps, "uidMappings", f.uidMap, d.rootlessEuid.b, f.euid, f.allottedUids);
  checkSpecMap(doc, gidArr, ids.gidMaps, "gidMappings", f.gidMap, d.rootlessEuid.b, f.egid, f.allottedGids);
  if (d.idmapWriter.word == "newidmap") {
    if (!f.newuidmap) r.error("idmap.helper-missing", "/linux/uidMappings", "these uid mappings need the setuid helper newuidmap, which is not installed; install the uidmap package or map only your own uid.");
    if (!f.newgidmap) r.error("idmap.helper-missing", "/linux/gidMappings", "these gid mappings need the setuid helper newgidmap, which is not installed; install the uidmap package or map only your own gid.");
  }
}

/** command.unavailable: the command needs a decision that came out false. */
function checkCommand(r: Report, f: Facts, d: Decisions): void {
  if ((f.isCommand("checkpoint") || f.isCommand("restore")) && !d.checkpointRestore.b) {
    r.error("command.unavailable", "/facts/command", f.t.text(f.command) + " needs uid 0 and a passing criu check (" + d.checkpointRestore.why + "); run as root on a host where criu check passes.");
  }
  if ((f.isCommand("pause") || f.isCommand("resume") || f.isCommand("update") || f.isCommand("events")) && !d.cgroupFeatures.b) {
    r.error("command.unavailable", "/facts/command", f.t.text(f.command) + " needs a cgroup the runtime can write (" + d.cgroupFeatures.why + "); give the runtime a delegated cgroup or run it as root.");
  }
}
