// plan.cgroup: the container's cgroup path and linux.resources turned into the file writes runc
// makes, for the cgroup mode the host found (v1 and hybrid use the v1 controllers, v2 the
// unified files with runc's conversions).
import { Ctx } from "./context";
import { Doc } from "./json/access";
import { K_OBJECT, K_STRING, K_TRUE, K_KEY, F_DECODED } from "./json/reader";
import { lastMembers } from "./json/members";
import { CG_NONE, CG_V2 } from "./facts";

class Writes {
  constructor(public ctx: Ctx, public v2: bool) {}

  /** Starts a write entry and leaves the writer inside the file name string. */
  open(controller: string): void {
    const w = this.ctx.w;
    w.item();
    w.obj();
    w.key("controller"); w.byte(0x22); if (!this.v2) w.ascii(controller); w.byte(0x22);
    w.key("file"); w.byte(0x22);
  }

  /** Ends the file name and leaves the writer inside the value string. */
  value(): void {
    const w = this.ctx.w;
    w.byte(0x22);
    w.key("value"); w.byte(0x22);
  }

  begin(controller: string, file: string): void {
    this.open(controller);
    this.ctx.w.ascii(file);
    this.value();
  }

  end(): void { this.ctx.w.byte(0x22); this.ctx.w.endObj(); }

  num(controller: string, file: string, v: i64): void { this.begin(controller, file); this.ctx.w.i64(v); this.end(); }

  /** -1 becomes "max" (v2's word for unlimited). */
  max(controller: string, file: string, v: i64): void {
    this.begin(controller, file);
    if (v < 0) this.ctx.w.ascii("max"); else this.ctx.w.i64(v);
    this.end();
  }

  text(controller: string, file: string, s: string): void { this.begin(controller, file); this.ctx.w.ascii(s); this.end(); }

  node(controller: string, file: string, n: i32): void {
    const t = this.ctx.doc.t;
    this.begin(controller, file);
    this.ctx.w.body(t.start(n), t.strLen(n), (t.flags(n) & F_DECODED) == 0);
    this.end();
  }
}

export function writeCgroup(ctx: Ctx, linux: i32): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const f = ctx.facts;
  const p = doc.str(linux, "cgroupsPath");
  w.obj();
  w.key("path");
  if (p >= 0) { doc.cstr(p); ctx.str(p); }
  else {
    w.byte(0x22); w.byte(0x2f);
    if (f.containerId >= 0) w.body(f.t.start(f.containerId), f.t.strLen(f.containerId), (f.t.flags(f.containerId) & F_DECODED) == 0);
    w.byte(0x22);
  }
  w.key("relative"); w.bool(p >= 0 && (t.strLen(p) == 0 || load<u8>(t.start(p)) != 0x2f));
  w.key("writes");
  w.arr();
  const res = doc.obj(linux, "resources");
  if (res >= 0) writeResources(new Writes(ctx, f.cgroupMode == CG_V2), res, f.cgroupMode == CG_NONE);
  w.endArr();
  w.endObj();
}

/** Checks every resource; writes them unless `checkOnly` (no cgroup hierarchy). */
function writeResources(wr: Writes, res: i32, checkOnly: bool): void {
  const doc = wr.ctx.doc;
  memory(wr, doc, doc.obj(res, "memory"), checkOnly);
  cpu(wr, doc, doc.obj(res, "cpu"), checkOnly);
  const pids = doc.obj(res, "pids");
  if (pids >= 0) {
    const limit = doc.signed(pids, "limit", I64.MIN_VALUE, I64.MAX_VALUE, 0, true);
    if (!checkOnly) wr.max("pids", "pids.max", limit <= 0 ? -1 : limit);
  }
  blockIO(wr, doc, doc.obj(res, "blockIO"), checkOnly);
  hugepages(wr, doc, doc.arr(res, "hugepageLimits"), checkOnly);
  network(wr, doc, doc.obj(res, "network"), checkOnly);
  rdma(wr, doc, doc.obj(res, "rdma"), checkOnly);
  devices(wr, doc, doc.arr(res, "devices"), checkOnly);
  unified(wr, doc, doc.obj(res, "unified"), checkOnly);
}

function memory(wr: Writes, doc: Doc, m: i32, checkOnly: bool): void {
  if (m < 0) return;
  const limit = memValue(doc, m, "limit");
  const reservation = memValue(doc, m, "reservation");
  const swap = memValue(doc, m, "swap");
  memValue(doc, m, "kernel");
  memValue(doc, m, "kernelTCP");
  const sw = doc.num(m, "swappiness");
  const swappiness = sw >= 0 ? <i64>doc.unsignedAt(sw, 100, 0) : -1;
  const noOom = doc.bool(m, "disableOOMKiller", false);
  doc.bool(m, "useHierarchy", false);
  doc.bool(m, "checkBeforeUpdate", false);
  if (wr.v2) {
    // runc's ConvertMemorySwapToCgroupV2Value: v2's swap limit excludes memory
    let swap2: i64 = swap;
    if (limit == -1 && swap == 0) swap2 = -1;
    else if (swap > 0) {
      if (limit <= 0) { doc.valueError(doc.t.get(m, "swap"), "a swap limit needs a memory limit on cgroup v2; set linux.resources.memory.limit."); return; }
      if (swap < limit) { doc.valueError(doc.t.get(m, "swap"), "memory.swap (memory plus swap) must be at least memory.limit; raise it."); return; }
      swap2 = swap - limit;
    }
    if (checkOnly) return;
    if (swap2 != 0) wr.max("", "memory.swap.max", swap2);
    if (limit != 0) wr.max("", "memory.max", limit);
    if (reservation != 0) wr.max("", "memory.low", reservation);
    if (noOom) doc.r.warn("cgroup.unsupported", doc.path(doc.t.get(m, "disableOOMKiller")), "disableOOMKiller has no cgroup v2 equivalent and is ignored; remove it.");
    return;
  }
  if (checkOnly) return;
  if (limit != 0) wr.num("memory", "memory.limit_in_bytes", limit);
  if (reservation != 0) wr.num("memory", "memory.soft_limit_in_bytes", reservation);
  if (swap != 0) wr.num("memory", "memory.memsw.limit_in_bytes", swap);
  if (swappiness >= 0) wr.num("memory", "memory.swappiness", swappiness);
  if (noOom) wr.text("memory", "memory.oom_control", "1");
}

/** A memory amount: -1 (unlimited) or a byte count; 0 when absent. */
function memValue(doc: Doc, m: i32, key: string): i64 {
  return doc.signed(m, key, -1, I64.MAX_VALUE, 0);
}

function cpu(wr: Writes, doc: Doc, c: i32, checkOnly: bool): void {
  if (c < 0) return;
  const shares = <i64>doc.unsigned(c, "shares", 262144, 0);
  const quota = doc.signed(c, "quota", -1, I64.MAX_VALUE, 0);
  const burst = doc.num(c, "burst");
  const burstV = burst >= 0 ? <i64>doc.unsignedAt(burst, <u64>I64.MAX_VALUE, 0) : -1;
  const period = <i64>doc.unsigned(c, "period", <u64>I64.MAX_VALUE, 0);
  const rtRuntime = doc.signed(c, "realtimeRuntime", -1, I64.MAX_VALUE, 0);
  const rtPeriod = <i64>doc.unsigned(c, "realtimePeriod", <u64>I64.MAX_VALUE, 0);
  const cpus = doc.str(c, "cpus");
  const mems = doc.str(c, "mems");
  const idle = doc.num(c, "idle");
  const idleV = idle >= 0 ? doc.signedAt(idle, 0, 1, 0) : -1;
  if (checkOnly) return;
  if (wr.v2) {
    // runc's ConvertCPUSharesToCgroupV2Value
    if (shares != 0) wr.num("", "cpu.weight", 1 + ((shares - 2) * 9999) / 262142);
    if (quota != 0 || period != 0) {
      wr.begin("", "cpu.max");
      if (quota > 0) wr.ctx.w.i64(quota); else wr.ctx.w.ascii("max");
      if (period != 0) { wr.ctx.w.byte(0x20); wr.ctx.w.i64(period); }
      wr.end();
    }
    if (burstV >= 0) wr.num("", "cpu.max.burst", burstV);
    if (idleV >= 0) wr.num("", "cpu.idle", idleV);
    if (rtRuntime != 0 || rtPeriod != 0) doc.r.warn("cgroup.unsupported", doc.path(c), "realtime CPU limits have no cgroup v2 equivalent and are ignored; remove realtimeRuntime and realtimePeriod.");
  } else {
    if (shares != 0) wr.num("cpu", "cpu.shares", shares);
    if (period != 0) wr.num("cpu", "cpu.cfs_period_us", period);
    if (quota != 0) wr.num("cpu", "cpu.cfs_quota_us", quota);
    if (burstV >= 0) wr.num("cpu", "cpu.cfs_burst_us", burstV);
    if (rtPeriod != 0) wr.num("cpu", "cpu.rt_period_us", rtPeriod);
    if (rtRuntime != 0) wr.num("cpu", "cpu.rt_runtime_us", rtRuntime);
    if (idleV >= 0) wr.num("cpu", "cpu.idle", idleV);
  }
  if (cpus >= 0) wr.node("cpuset", "cpuset.cpus", cpus);
  if (mems >= 0) wr.node("cpuset", "cpuset.mems", mems);
}

function blockIO(wr: Writes, doc: Doc, b: i32, checkOnly: bool): void {
  if (b < 0) return;
  const weight = <i64>doc.unsigned(b, "weight", 1000, 0);
  const leaf = <i64>doc.unsigned(b, "leafWeight", 1000, 0);
  if ((weight != 0 && weight < 10) || (leaf != 0 && leaf < 10)) doc.valueError(b, "blockIO weights must be from 10 to 1000; adjust weight and leafWeight.");
  if (!checkOnly) {
    if (wr.v2) {
      // runc's ConvertBlkIOToIOWeightValue
      if (weight != 0) wr.num("", "io.weight", 1 + ((weight - 10) * 9999) / 990);
    } else {
      if (weight != 0) wr.num("blkio", "blkio.weight", weight);
      if (leaf != 0) wr.num("blkio", "blkio.leaf_weight", leaf);
    }
  }
  const wd = doc.arr(b, "weightDevice");
  for (let e = wd >= 0 ? doc.t.first(wd) : -1; e >= 0; e = doc.t.next(e)) {
    if (doc.t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const maj = doc.signed(e, "major", 0, U32.MAX_VALUE, 0, true);
    const min = doc.signed(e, "minor", 0, U32.MAX_VALUE, 0, true);
    const w1 = <i64>doc.unsigned(e, "weight", 1000, 0);
    const w2 = <i64>doc.unsigned(e, "leafWeight", 1000, 0);
    if (checkOnly) continue;
    if (w1 != 0) deviceValue(wr, wr.v2 ? "io.weight" : "blkio.weight_device", maj, min, "", wr.v2 ? 1 + ((w1 - 10) * 9999) / 990 : w1);
    if (w2 != 0 && !wr.v2) deviceValue(wr, "blkio.leaf_weight_device", maj, min, "", w2);
  }
  throttle(wr, doc, b, "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps=", checkOnly);
  throttle(wr, doc, b, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps=", checkOnly);
  throttle(wr, doc, b, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops=", checkOnly);
  throttle(wr, doc, b, "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops=", checkOnly);
}

/** "major:minor value" (v1) or "major:minor key=value" (v2 io.max). */
function deviceValue(wr: Writes, file: string, maj: i64, min: i64, key: string, v: i64): void {
  const w = wr.ctx.w;
  wr.begin("blkio", file);
  w.i64(maj); w.byte(0x3a); w.i64(min); w.byte(0x20); w.ascii(key); w.i64(v);
  wr.end();
}

function throttle(wr: Writes, doc: Doc, b: i32, key: string, v1file: string, v2key: string, checkOnly: bool): void {
  const a = doc.arr(b, key);
  for (let e = a >= 0 ? doc.t.first(a) : -1; e >= 0; e = doc.t.next(e)) {
    if (doc.t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const maj = doc.signed(e, "major", 0, U32.MAX_VALUE, 0, true);
    const min = doc.signed(e, "minor", 0, U32.MAX_VALUE, 0, true);
    const rate = <i64>doc.unsigned(e, "rate", <u64>I64.MAX_VALUE, 0, true);
    if (!checkOnly) deviceValue(wr, wr.v2 ? "io.max" : v1file, maj, min, wr.v2 ? v2key : "", rate);
  }
}

function hugepages(wr: Writes, doc: Doc, a: i32, checkOnly: bool): void {
  const t = doc.t;
  for (let e = a >= 0 ? t.first(a) : -1; e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const size = doc.str(e, "pageSize", true);
    const limit = <i64>doc.unsigned(e, "limit", <u64>I64.MAX_VALUE, 0, true);
    if (size < 0 || checkOnly) continue;
    if (!fileToken(doc, size)) continue;
    const w = wr.ctx.w;
    wr.open("hugetlb");
    w.ascii("hugetlb.");
    w.body(t.start(size), t.strLen(size), true);
    w.ascii(wr.v2 ? ".max" : ".limit_in_bytes");
    wr.value();
    w.i64(limit);
    wr.end();
  }
}

function network(wr: Writes, doc: Doc, n: i32, checkOnly: bool): void {
  if (n < 0) return;
  const t = doc.t;
  const cls = doc.num(n, "classID");
  const classId = cls >= 0 ? <i64>doc.unsignedAt(cls, U32.MAX_VALUE, 0) : -1;
  const pr = doc.arr(n, "priorities");
  if (!checkOnly && !wr.v2 && classId >= 0) wr.num("net_cls", "net_cls.classid", classId);
  for (let e = pr >= 0 ? t.first(pr) : -1; e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const name = doc.str(e, "name", true);
    const prio = <i64>doc.unsigned(e, "priority", U32.MAX_VALUE, 0, true);
    if (name < 0 || checkOnly || wr.v2) continue;
    wr.begin("net_prio", "net_prio.ifpriomap");
    wr.ctx.w.body(t.start(name), t.strLen(name), (t.flags(name) & F_DECODED) == 0);
    wr.ctx.w.byte(0x20);
    wr.ctx.w.i64(prio);
    wr.end();
  }
  if (wr.v2 && !checkOnly) doc.r.warn("cgroup.unsupported", doc.path(n), "network classID and priorities have no cgroup v2 equivalent and are ignored; remove linux.resources.network.");
}

function rdma(wr: Writes, doc: Doc, o: i32, checkOnly: bool): void {
  if (o < 0) return;
  const t = doc.t;
  const keys = lastMembers(t, o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = k + 1;
    if (t.kind(v) != K_OBJECT) { doc.typeError(v, "an object"); continue; }
    const h = doc.num(v, "hcaHandles");
    const ob = doc.num(v, "hcaObjects");
    const hv = h >= 0 ? <i64>doc.unsignedAt(h, U32.MAX_VALUE, 0) : -1;
    const ov = ob >= 0 ? <i64>doc.unsignedAt(ob, U32.MAX_VALUE, 0) : -1;
    if (checkOnly || (hv < 0 && ov < 0) || !fileToken(doc, k)) continue;
    const w = wr.ctx.w;
    wr.begin("rdma", "rdma.max");
    w.body(t.start(k), t.strLen(k), true);
    if (hv >= 0) { w.ascii(" hca_handle="); w.i64(hv); }
    if (ov >= 0) { w.ascii(" hca_object="); w.i64(ov); }
    wr.end();
  }
}

/** v1 device cgroup rules as runc writes them: deny all, the spec's rules, then runc's defaults. */
const DEFAULT_RULES: string[] = [
  "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm",
  "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
];

function devices(wr: Writes, doc: Doc, a: i32, checkOnly: bool): void {
  if (a < 0) return;
  const t = doc.t;
  // the deviceCgroup decision: v1 or hybrid, outside a user namespace
  const write = !checkOnly && wr.ctx.d.deviceCgroup.b;
  if (write) wr.text("devices", "devices.deny", "a");
  for (let e = t.first(a); e >= 0; e = t.next(e)) {
    if (t.kind(e) != K_OBJECT) { doc.typeError(e, "an object"); continue; }
    const allowN = doc.field(e, "allow", K_TRUE, "true or false", true);
    const allow = allowN >= 0 && t.kind(allowN) == K_TRUE;
    const type = doc.str(e, "type");
    const maj = doc.num(e, "major");
    const min = doc.num(e, "minor");
    const majV = maj >= 0 ? doc.signedAt(maj, -1, U32.MAX_VALUE, -1) : -1;
    const minV = min >= 0 ? doc.signedAt(min, -1, U32.MAX_VALUE, -1) : -1;
    const access = doc.str(e, "access");
    let typeChar = 0x61;
    if (type >= 0) {
      if (t.eq(type, "c")) typeChar = 0x63;
      else if (t.eq(type, "b")) typeChar = 0x62;
      else if (!t.eq(type, "a")) { doc.valueError(type, "device rule type " + t.text(type) + " is unknown; use a, c or b."); continue; }
    }
    if (access >= 0 && !accessOk(t.start(access), t.strLen(access))) { doc.valueError(access, "device access " + t.text(access) + " must be made of r, w and m; fix it."); continue; }
    if (!write || (!allow && typeChar == 0x61 && majV < 0 && minV < 0)) continue;
    const w = wr.ctx.w;
    wr.begin("devices", allow ? "devices.allow" : "devices.deny");
    w.byte(typeChar); w.byte(0x20);
    if (majV < 0) w.byte(0x2a); else w.i64(majV);
    w.byte(0x3a);
    if (minV < 0) w.byte(0x2a); else w.i64(minV);
    w.byte(0x20);
    if (access >= 0 && t.strLen(access) > 0) w.bytes(t.start(access), t.strLen(access)); else w.ascii("rwm");
    wr.end();
  }
  if (write) for (let i = 0; i < DEFAULT_RULES.length; i++) wr.text("devices", "devices.allow", DEFAULT_RULES[i]);
  if (wr.v2 && !checkOnly && t.size(a) > 0) {
    doc.r.warn("cgroup.devices-v2", doc.path(a), "device rules on cgroup v2 need an eBPF program, which this runtime does not load, so they are not enforced; rely on the device nodes created in /dev instead.");
  }
}

function accessOk(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c != 0x72 && c != 0x77 && c != 0x6d) return false;
  }
  return true;
}

/** linux.resources.unified: written as is on v2, refused elsewhere (as runc). */
function unified(wr: Writes, doc: Doc, o: i32, checkOnly: bool): void {
  if (o < 0) return;
  const t = doc.t;
  if (!wr.v2 && !checkOnly && t.size(o) > 0) {
    doc.valueError(o, "linux.resources.unified needs cgroup v2, but this host has cgroup v1 or hybrid; use the v1 resource fields instead.");
    return;
  }
  const keys = lastMembers(t, o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (t.kind(k + 1) != K_STRING) { doc.typeError(k + 1, "a string"); continue; }
    if (!fileToken(doc, k) || !doc.cstr(k + 1) || checkOnly) continue;
    const w = wr.ctx.w;
    w.item();
    w.obj();
    w.key("controller"); w.str("");
    w.key("file"); w.strBytes(t.start(k), t.strLen(k), true);
    w.key("value"); wr.ctx.str(k + 1);
    w.endObj();
  }
}

/** A name used inside a file name: plain characters only, no '/', no "..", not empty. */
function fileToken(doc: Doc, k: i32): bool {
  const t = doc.t;
  const p = t.start(k);
  const n = t.strLen(k);
  let ok = n > 0 && !(n == 2 && load<u8>(p) == 0x2e && load<u8>(p + 1) == 0x2e) && !(n == 1 && load<u8>(p) == 0x2e);
  for (let i = 0; i < n && ok; i++) {
    const c = load<u8>(p + <usize>i);
    ok = c > 0x20 && c < 0x7f && c != 0x2f && c != 0x22 && c != 0x5c;
  }
  const at = t.kind(k) == K_KEY ? k + 1 : k;
  if (!ok) doc.valueError(at, doc.name(at) + " names a cgroup file with unsafe characters; use the plain file or page-size name.");
  return ok;
}
