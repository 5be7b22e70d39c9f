// OCI hooks (runtime-spec config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): runs each
// hook of one kind in order, with the container state as JSON on stdin, and applies the spec's
// failure rule for that kind. Where and when each kind runs is the lifecycle code's business;
// HOOK_POLICY states it as data so that code does not re-derive it from the spec's prose.
import { spawn } from 'node:child_process';
import { WruncError } from './errors.js';
import type { Plan, PlanHook, PlanHooks } from './types.js';

export type HookKind = keyof PlanHooks;

/** The state of a container as the runtime spec defines it (runtime.md "State"): what hooks read on stdin. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  /** required when status is created or running */
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** the state hooks of the creating container read: its plan's version and annotations, init's host pid */
export function creatingState(plan: Plan, id: string, bundle: string, status: 'creating' | 'created', pid: number): OciState {
  return {
    ociVersion: plan.ociVersion,
    id,
    status,
    pid,
    bundle,
    annotations: Object.fromEntries(plan.annotations.map((a) => [a.key, a.value])),
  };
}

export interface HookPolicy {
  /** destroy: error, stop and delete the container; warn: log a warning, go on as if it had succeeded */
  onFailure: 'destroy' | 'warn';
  /** namespaces the hook runs in: the runtime's, or the container's (run it from the init stage) */
  namespace: 'runtime' | 'container';
  /** the lifecycle step, for the reader */
  when: string;
}

export const HOOK_POLICY: Readonly<Record<HookKind, HookPolicy>> = {
  prestart: { onFailure: 'destroy', namespace: 'runtime', when: 'create: after the namespaces exist, before pivot_root; before createRuntime (deprecated kind)' },
  createRuntime: { onFailure: 'destroy', namespace: 'runtime', when: 'create: after the namespaces exist, before pivot_root' },
  createContainer: { onFailure: 'destroy', namespace: 'container', when: 'create: after createRuntime, before pivot_root (path resolved in the runtime namespace)' },
  startContainer: { onFailure: 'destroy', namespace: 'container', when: 'start: before the user program is executed (path resolved in the container)' },
  poststart: { onFailure: 'warn', namespace: 'runtime', when: 'start: after the user program has started, before start returns' },
  poststop: { onFailure: 'warn', namespace: 'runtime', when: 'delete: after the container is deleted, before delete returns' },
};

export interface RunHooksOptions {
  /** receives the failures of warn-kind hooks; default: one "wrunc: warning: ..." line on stderr */
  warn?: (warning: WruncError) => void;
}

/** Bytes of each output stream kept for the error message: enough for the last lines. */
const KEEP_OUTPUT = 64 * 1024;
/** After the hook exits, how long to wait for its stderr to drain (a daemonized child may hold it open). */
const DRAIN_MS = 200;

function envObject(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of env) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}

function keepTail(chunks: Buffer[], chunk: Buffer): void {
  chunks.push(chunk);
  let size = chunks.reduce((n, c) => n + c.length, 0);
  while (size > KEEP_OUTPUT && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
}

/** Runs one hook; resolves when it exits 0, rejects with hook.failed or hook.timeout. */
function runHook(hook: PlanHook, stdin: string, kind: HookKind, index: number): Promise<void> {
  const where = `/hooks/${kind}/${index}`;
  const name = `${kind} hook ${index} (${hook.path})`;
  return new Promise((resolve, reject) => {
    // its own process group, so a timeout kills what a hook script started too
    // an absent env (null) inherits the runtime's, as runc's (Go's exec with a nil Env)
    const args = hook.args ?? [];
    const child = spawn(hook.path, args.slice(1), {
      argv0: args[0] ?? hook.path,
      env: hook.env === null ? process.env : envObject(hook.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const stderr: Buffer[] = [];
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => keepTail(stderr, c));
    const stderrClosed = new Promise<void>((r) => child.stderr.on('close', () => r()));
    // a hook that does not read its stdin makes the write fail with EPIPE: not a hook failure
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);

    let timedOut = false;
    let settled = false;
    const timer = hook.timeout === null ? null : setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, hook.timeout * 1000);

    const finish = (err: WruncError | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(new WruncError('hook.failed', `${name} could not be executed: ${e.code ?? e.message}`, where));
    });
    child.on('exit', (code, signal) => {
      const drained = new Promise<void>((r) => setTimeout(r, DRAIN_MS).unref());
      void Promise.race([stderrClosed, drained]).then(() => {
        const tail = lastLine(Buffer.concat(stderr).toString('utf8'));
        const said = tail ? `: ${tail}` : '';
        if (timedOut) {
          finish(new WruncError('hook.timeout', `${name} did not finish within ${hook.timeout}s and was killed${said}`, where));
        } else if (signal) {
          finish(new WruncError('hook.failed', `${name} was killed by ${signal}${said}`, where));
        } else if (code !== 0) {
          finish(new WruncError('hook.failed', `${name} exited with status ${code}${said}`, where));
        } else {
          finish(null);
        }
      });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

function defaultWarn(w: WruncError): void {
  process.stderr.write(`wrunc: warning: ${w.code}: ${w.message} (at ${w.path})\n`);
}

/**
 * Runs the hooks of one kind in order, in the caller's namespaces. For destroy kinds the first
 * failure is thrown (the remaining hooks do not run) and the caller must stop and delete the
 * container; for warn kinds every hook runs, failures go to opts.warn and are returned.
 */
export async function runHooks(kind: HookKind, hooks: PlanHook[], state: OciState, opts: RunHooksOptions = {}): Promise<WruncError[]> {
  const stdin = JSON.stringify(state);
  const warnings: WruncError[] = [];
  for (const [i, hook] of hooks.entries()) {
    try {
      await runHook(hook, stdin, kind, i);
    } catch (e) {
      if (HOOK_POLICY[kind].onFailure === 'destroy') throw e;
      warnings.push(e as WruncError);
      (opts.warn ?? defaultWarn)(e as WruncError);
    }
  }
  return warnings;
}
