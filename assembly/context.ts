// What every stage of one decide() call shares: the parsed spec, the facts, the spec's identity
// view, the decisions, the problems found so far and the plan being written.
import { Doc } from "./json/access";
import { Writer } from "./json/writer";
import { F_DECODED } from "./json/reader";
import { Facts } from "./facts";
import { Report } from "./report";
import { SpecIds, Decisions } from "./rootless";
import { IdMap, INSIDE } from "./idmap";

export class Ctx {
  constructor(
    public doc: Doc,
    public facts: Facts,
    public ids: SpecIds,
    public d: Decisions,
    public w: Writer,
  ) {}

  get r(): Report { return this.doc.r; }

  /** Writes string node n of config.json as a JSON string. */
  str(n: i32): void {
    const t = this.doc.t;
    this.w.strBytes(t.start(n), t.strLen(n), (t.flags(n) & F_DECODED) == 0);
  }

  /** A string node, or `def` when absent (-1). */
  strOr(n: i32, def: string): void {
    if (n >= 0) this.str(n);
    else { this.w.byte(0x22); this.w.ascii(def); this.w.byte(0x22); }
  }

  /** A string node, or null when absent. */
  strOrNull(n: i32): void {
    if (n >= 0) this.str(n);
    else this.w.nul();
  }

  /** An array of string nodes (already checked to hold strings), [] when absent. */
  strings(a: i32): void {
    const t = this.doc.t;
    this.w.arr();
    if (a >= 0) {
      for (let e = t.first(a); e >= 0; e = t.next(e)) { this.w.item(); this.str(e); }
    }
    this.w.endArr();
  }

  /**
   * The map ids of the container's user namespace are checked against: the spec's when it
   * creates one, the runtime's own when the container stays in it, null when a namespace is
   * joined by path (its map is unknown here). A missing spec map maps nothing: its ids are
   * reported unmapped too (test/vectors/README.md: errors are not suppressed as consequences).
   */
  containerMap(gid: bool): IdMap | null {
    if (this.ids.newUserNs) return gid ? this.ids.gidMaps : this.ids.uidMaps;
    if (this.ids.userNsJoined) return null;
    return gid ? this.facts.gidMap : this.facts.uidMap;
  }

  /** Whether a container-side id is mapped in the container's user namespace. */
  mapped(id: u64, gid: bool): bool {
    const m = this.containerMap(gid);
    return m == null || m.has(INSIDE, id);
  }
}
