// Small shared helpers for integration tests: a temporary state root, a bundle, and running
// bin/wrunc with its output captured. Output goes through temporary files, not pipes: a created
// container inherits wrunc's stdout and stderr and holds them until it exits, so waiting for a
// pipe's end would wait for the container.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: plain ES module without types
import { makeBundle } from '../../scripts/make-bundle.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WRUNC = join(REPO, 'bin', 'wrunc');
export const isRoot = process.getuid?.() === 0;
// the root-only suites skip with this reason rather than silently
if (!isRoot) console.log('skipping root-only integration tests: they create namespaces, cgroups and mounts; run npm test as root (CI does)');

export interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface TempDir { path: string; cleanup(): void }

export function tempDir(prefix = 'wrunc-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** a state root for --root, so tests never see each other's or the user's containers */
export const tempStateRoot = (): TempDir => tempDir('wrunc-root-');

/**
 * A busybox bundle in a new temporary directory (see scripts/make-bundle.mjs for the options).
 * The spec's process runs `args`.
 */
export function tempBundle(o: { args?: string[]; rootless?: boolean; owner?: number; edit?: (spec: any) => void } = {}): TempDir & { spec: any } {
  const dir = tempDir('wrunc-bundle-');
  const spec = makeBundle(dir.path, o);
  return { ...dir, spec };
}

/** runs bin/wrunc with args (prefixed with --root when given) and captures everything */
export function wrunc(args: string[], o: { root?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; user?: string } = {}): Run {
  const out = tempDir('wrunc-out-');
  const outFile = join(out.path, 'stdout');
  const errFile = join(out.path, 'stderr');
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  try {
    const argv = [...(o.root ? ['--root', o.root] : []), ...args];
    const [cmd, cmdArgs] = o.user ? ['runuser', ['-u', o.user, '--', WRUNC, ...argv]] : [WRUNC, argv];
    const r = spawnSync(cmd, cmdArgs, {
      stdio: [o.input === undefined ? 'ignore' : 'pipe', outFd, errFd],
      input: o.input,
      timeout: o.timeoutMs ?? 60_000,
      env: o.env ?? process.env,
      cwd: o.cwd,
    });
    if (r.error) throw r.error;
    return { status: r.status, signal: r.signal, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') };
  } finally {
    closeSync(outFd);
    closeSync(errFd);
    out.cleanup();
  }
}
