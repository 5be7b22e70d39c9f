// Errors are values with stable codes. Every failure the user sees is one WruncError, printed as
// one line by the CLI: "wrunc: <code>: <message> [at <path>]" and exit status 1 (runc's).
import type { Problem } from './types.js';

export class WruncError extends Error {
  constructor(
    /** stable code: the core's (spec.*, idmap.*, mount.*, ...) or the host's (container.*, bundle.*, ...) */
    readonly code: string,
    message: string,
    /** JSON Pointer into config.json, "/facts/..." or "" */
    readonly path = '',
    readonly exitCode = 1,
  ) {
    super(message);
  }

  static fromProblem(p: Problem): WruncError {
    return new WruncError(p.code, p.message, p.path);
  }

  /** the one line the user sees */
  line(): string {
    return `wrunc: ${this.code}: ${this.message}${this.path ? ` (at ${this.path})` : ''}`;
  }
}
