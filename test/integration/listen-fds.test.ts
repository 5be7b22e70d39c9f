// Socket activation passes through, as runc: fds a service manager gave wrunc (LISTEN_FDS, with
// LISTEN_PID naming wrunc) reach the container as fds 3.., with LISTEN_FDS and LISTEN_PID=1.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WRUNC, tempBundle, tempDir, tempStateRoot } from './helpers.js';

describe('LISTEN_FDS pass-through (root, real containers)', () => {
  const root = tempStateRoot();
  const work = tempDir();
  const bundle = tempBundle({ args: ['sh', '-c', 'echo "env:$LISTEN_FDS:$LISTEN_PID"; cat <&3'] });
  const payload = join(work.path, 'payload');
  writeFileSync(payload, 'from the activating socket\n');
  afterAll(() => { bundle.cleanup(); work.cleanup(); root.cleanup(); });

  // the shell execs wrunc, so $$ is wrunc's pid, as a service manager sets LISTEN_PID
  const runWith = (env: string, id: string) => spawnSync('sh', ['-c', `${env} exec "$0" --root "$1" run --bundle "$2" "$3" 3<"$4"`,
    WRUNC, root.path, bundle.path, id, payload], { encoding: 'utf8' });

  it('gives the container the fds and LISTEN_FDS/LISTEN_PID=1 when LISTEN_PID is wrunc', () => {
    const r = runWith('LISTEN_PID=$$ LISTEN_FDS=1', `lfd-${process.pid}`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('env:1:1\nfrom the activating socket\n');
    expect(r.status).toBe(0);
  });

  it('passes nothing when LISTEN_PID names another process (the fds are not ours)', () => {
    const r = runWith('LISTEN_PID=1 LISTEN_FDS=1', `lfd-other-${process.pid}`);
    expect(r.stdout).toBe('env::\n');
    expect(r.stderr).toMatch(/Bad file descriptor/);
  });
});
