// Errors and warnings as values: a stable code, a JSON Pointer and a message a user can act on.
import { Writer } from "./json/writer";

/** Cap on recorded problems, so hostile input cannot make the result unbounded. */
export const MAX_PROBLEMS: i32 = 100;

export class Problem {
  constructor(public code: string, public path: string, public message: string) {}
}

export class Report {
  errors: Problem[] = [];
  warnings: Problem[] = [];
  /** errors found, including those past the cap: callers compare it to see if a step failed */
  errorCount: i32 = 0;

  error(code: string, path: string, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_PROBLEMS) this.errors.push(new Problem(code, path, message));
  }

  warn(code: string, path: string, message: string): void {
    if (this.warnings.length < MAX_PROBLEMS) this.warnings.push(new Problem(code, path, message));
  }

  get ok(): bool { return this.errors.length == 0; }
}

export function writeProblems(w: Writer, list: Problem[]): void {
  w.arr();
  for (let i = 0; i < list.length; i++) {
    const p = unchecked(list[i]);
    w.item();
    w.obj();
    w.key("code"); w.str(p.code);
    w.key("path"); w.str(p.path);
    w.key("message"); w.str(p.message);
    w.endObj();
  }
  w.endArr();
}
