// The hooks that belong to commands rather than to the container process: poststart when start
// (or run) has let the program go, poststop once delete (or run) has removed the container. Both
// only warn on failure (runtime-spec), through the log like every other warning.
import { runHooks, type HookKind, type OciState } from '../hooks.js';
import type { ContainerRecord } from '../state.js';
import type { Ctx } from './context.js';

const STATUS = { poststart: 'running', poststop: 'stopped' } as const;

export async function runCommandHooks(ctx: Ctx, kind: Extract<HookKind, 'poststart' | 'poststop'>, rec: ContainerRecord): Promise<void> {
  const hooks = rec.plan.hooks?.[kind] ?? [];
  if (hooks.length === 0) return;
  const state: OciState = {
    ociVersion: rec.plan.ociVersion,
    id: rec.id,
    status: STATUS[kind],
    ...(kind === 'poststart' ? { pid: rec.pid } : {}),
    bundle: rec.bundle,
    annotations: rec.annotations,
  };
  await runHooks(kind, hooks, state, { warn: (w) => ctx.log.warnError(w) });
}
