// config.json's hooks: each stage's list with path (absolute), args, env and timeout (> 0).
// env is null when absent (or JSON null): runc runs a hook with cmd.Env = h.Env, and Go's exec
// gives a nil Env the runtime's own environment, while an explicit [] runs it with none.
import { Ctx } from "../context";
import { K_OBJECT, K_ARRAY } from "../json/reader";

const STAGES: string[] = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

export function writeHooks(ctx: Ctx): void {
  const doc = ctx.doc;
  const t = doc.t;
  const w = ctx.w;
  const hooks = doc.obj(0, "hooks");
  w.obj();
  for (let s = 0; s < STAGES.length; s++) {
    const stage = STAGES[s];
    w.key(stage);
    w.arr();
    const a = doc.arr(hooks, stage);
    for (let h = a >= 0 ? t.first(a) : -1; h >= 0; h = t.next(h)) {
      if (t.kind(h) != K_OBJECT) { doc.typeError(h, "an object"); continue; }
      const path = doc.str(h, "path", true);
      if (path >= 0) doc.absPath(path);
      w.item();
      w.obj();
      w.key("path"); ctx.strOr(path, "");
      w.key("args"); ctx.strings(doc.stringArray(h, "args"));
      w.key("env");
      const env = doc.field(h, "env", K_ARRAY, "an array", false);
      if (env < 0) w.nul();
      else ctx.strings(doc.strings(env) ? env : -1);
      w.key("timeout");
      const to = doc.num(h, "timeout");
      if (to < 0) w.nul();
      else w.i64(doc.signedAt(to, 1, I32.MAX_VALUE, 1));
      w.endObj();
    }
    w.endArr();
  }
  w.endObj();
}
