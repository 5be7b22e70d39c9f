// podman 4 (with conmon) as the client: a runtime replaces runc only when the tools that call runc
// work with it unchanged. Podman gets --runtime bin/wrunc (and, in one case, a wrapper named
// `runc`, for which podman adds --log-format=json --log FILE) and its own temporary storage; the
// image is a busybox rootfs from scripts/make-bundle.mjs through `podman import`. Where runc and
// wrunc could differ (the tty's name, exit codes podman derives from runtime errors), the expected
// values are what podman shows with runc 1.1.5 on the same machine.
// Podman passes no --root as root, so wrunc keeps the containers' state in its default root
// (/run/wrunc); the last test checks none of podman's containers is left there.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, wrunc, type Run, type TempDir } from './helpers.js';
import { containerCgroups, makePodman, podmanMissing, processesMentioning, RUN_OPTS, type Podman } from './podman-helpers.js';

if (!isRoot) console.warn('podman.test.ts: skipped, podman runs real containers as root here');

const stamp = `${process.pid}-${Date.now().toString(36)}`;
const image = `localhost/wrunc-podman-test:${stamp}`;

/** status 0, or fail showing what podman said */
function ok(r: Run): Run {
  expect(r.status, `podman failed (${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr}${r.stdout}`).toBe(0);
  return r;
}

describe.skipIf(!isRoot)('podman --runtime bin/wrunc', () => {
  let pm: Podman;
  let bundle: TempDir | undefined;
  let cleaned = false;

  const podman = (args: string[], o?: Parameters<Podman['run']>[1]) => pm.run(args, o);
  const inspect = (id: string, format: string) => ok(podman(['inspect', '--format', format, id])).stdout.trim();
  const detached = (args: string[], runtime?: string): string => {
    const id = ok(podman(['run', '-d', ...RUN_OPTS, image, ...args], { runtime })).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    return id;
  };
  const wruncStatus = (id: string): string => {
    const r = wrunc(['state', id]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout).status;
  };

  beforeAll(() => {
    const missing = podmanMissing();
    if (missing) throw new Error(missing);
    pm = makePodman();
    bundle = tempBundle();
    const tar = join(pm.dir.path, 'rootfs.tar');
    const t = spawnSync('tar', ['-C', join(bundle.path, 'rootfs'), '-cf', tar, '.'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    ok(podman(['import', '--quiet', tar, image], { timeoutMs: 120_000 }));
  });

  afterAll(() => {
    // the last test removes everything and checks; this is for when it did not get that far
    if (pm && !cleaned) {
      podman(['rm', '--force', '--all', '--time', '0']);
      podman(['image', 'rm', '--force', image]);
      pm.cleanup();
    }
    bundle?.cleanup();
  });

  it('run --rm prints the output and returns the exit code (0 and 3)', () => {
    const r0 = ok(podman(['run', '--rm', ...RUN_OPTS, image, 'sh', '-c', 'echo hello from podman; echo to stderr >&2']));
    expect(r0.stdout).toBe('hello from podman\n');
    expect(r0.stderr).toContain('to stderr');
    const r3 = podman(['run', '--rm', ...RUN_OPTS, image, 'sh', '-c', 'echo three; exit 3']);
    expect(r3.stdout).toBe('three\n');
    expect(r3.status, r3.stderr).toBe(3);
  });

  it('run --rm -i passes stdin through', () => {
    const r = ok(podman(['run', '--rm', '-i', ...RUN_OPTS, image, 'sh', '-c', 'cat; echo done'], { input: 'from stdin\n' }));
    expect(r.stdout).toBe('from stdin\ndone\n');
  });

  it('run -d, then exec: output, exit codes, user, workdir, env, stdin; wrunc state agrees with podman', () => {
    const id = detached(['sleep', '1000']);
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    expect(wruncStatus(id)).toBe('running');
    expect(JSON.parse(wrunc(['state', id]).stdout).pid).toBe(Number(inspect(id, '{{.State.Pid}}')));

    const e = podman(['exec', id, 'sh', '-c', 'echo exec out; echo exec err >&2; exit 5']);
    expect(e.stdout).toBe('exec out\n');
    expect(e.stderr).toContain('exec err');
    expect(e.status).toBe(5);
    expect(ok(podman(['exec', id, 'true'])).stdout).toBe('');
    expect(ok(podman(['exec', '-u', 'nobody', id, 'id'])).stdout).toBe('uid=65534(nobody) gid=65534(nogroup)\n');
    expect(ok(podman(['exec', '-w', '/tmp', '-e', 'FOO=bar', id, 'sh', '-c', 'echo $(pwd) $FOO'])).stdout).toBe('/tmp bar\n');
    expect(ok(podman(['exec', '-i', id, 'cat'], { input: 'exec stdin\n' })).stdout).toBe('exec stdin\n');
    // the container's init is the program podman asked for, pid 1 in its namespace
    expect(ok(podman(['exec', id, 'cat', '/proc/1/cmdline'])).stdout).toBe('sleep\u00001000\u0000');
    ok(podman(['rm', '--force', '--time', '0', id]));
  });

  it('exec of a missing program exits 127, as with runc', () => {
    const id = detached(['sleep', '1000']);
    const r = podman(['exec', id, '/nonexistent']);
    expect(r.status, r.stderr).toBe(127);
    ok(podman(['rm', '--force', '--time', '0', id]));
  });

  it('run -t gives the program a tty (/dev/pts/N, as runc), exec -t too; without -t there is none', () => {
    const t = pm.runInPty(['run', '--rm', '-t', ...RUN_OPTS, image, 'sh', '-c', 'tty; exit 7']);
    expect(t.stdout, t.stderr).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect(t.status, t.stderr).toBe(7);

    const n = podman(['run', '--rm', ...RUN_OPTS, image, 'tty']);
    expect(n.stdout).toBe('not a tty\n');
    expect(n.status).toBe(1);

    const id = detached(['sleep', '1000']);
    const e = pm.runInPty(['exec', '-t', id, 'sh', '-c', 'tty; exit 2']);
    expect(e.stdout, e.stderr).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect(e.status, e.stderr).toBe(2);
    ok(podman(['rm', '--force', '--time', '0', id]));
  });

  it('stop (the program handles SIGTERM), then rm: gone from podman and from wrunc', () => {
    const id = detached(['sh', '-c', 'trap "exit 9" TERM; while :; do sleep 0.1; done']);
    const t0 = Date.now();
    ok(podman(['stop', '--time', '20', id]));
    expect(Date.now() - t0, 'stop waited for the timeout: SIGTERM did not reach the program').toBeLessThan(10_000);
    expect(inspect(id, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 9');
    ok(podman(['rm', id]));
    expect(ok(podman(['ps', '--all', '--quiet', '--no-trunc'])).stdout).not.toContain(id);
    const s = wrunc(['state', id]);
    expect(s.status, s.stdout).not.toBe(0);
    expect(s.stderr).toContain('does not exist');
    expect(containerCgroups(id)).toEqual([]);
  });

  it('stop of a program that ignores SIGTERM kills it after the timeout (137)', () => {
    const id = detached(['sleep', '1000']);
    const r = ok(podman(['stop', '--time', '1', id]));
    expect(r.stdout.trim()).toBe(id);
    expect(inspect(id, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
    ok(podman(['rm', id]));
  });

  it('kill, wait, start again, restart', () => {
    const id = detached(['sh', '-c', 'trap "exit 9" TERM; while :; do sleep 0.1; done']);
    ok(podman(['kill', '--signal', 'TERM', id]));
    expect(ok(podman(['wait', id])).stdout.trim()).toBe('9');
    // start again: podman deletes the old runtime container and creates one with the same id
    ok(podman(['start', id]));
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    expect(wruncStatus(id)).toBe('running');
    const pid = inspect(id, '{{.State.Pid}}');
    ok(podman(['restart', '--time', '5', id]));
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    expect(inspect(id, '{{.State.Pid}}')).not.toBe(pid);
    expect(ok(podman(['exec', id, 'echo', 'alive'])).stdout).toBe('alive\n');
    ok(podman(['rm', '--force', '--time', '0', id]));
  });

  it('pause and unpause: podman and wrunc say paused, a counter stops, then goes on', async () => {
    const out = join(pm.dir.path, 'out');
    const counter = join(out, 'count');
    const id2 = ok(podman(['run', '-d', ...RUN_OPTS, '-v', `${out}:/out`, image, 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /out/count; sleep 0.05; done'])).stdout.trim();
    const count = () => (existsSync(counter) ? Number(readFileSync(counter, 'utf8').trim() || 0) : 0);
    for (let i = 0; i < 100 && count() < 3; i++) await sleep(50);
    expect(count()).toBeGreaterThanOrEqual(3);

    ok(podman(['pause', id2]));
    expect(inspect(id2, '{{.State.Status}}')).toBe('paused');
    expect(wruncStatus(id2)).toBe('paused');
    const frozen = count();
    await sleep(600);
    expect(count()).toBe(frozen);
    const e = podman(['exec', id2, 'true']);
    expect(e.status).not.toBe(0); // podman refuses exec into a paused container

    ok(podman(['unpause', id2]));
    expect(inspect(id2, '{{.State.Status}}')).toBe('running');
    expect(wruncStatus(id2)).toBe('running');
    for (let i = 0; i < 100 && count() <= frozen; i++) await sleep(50);
    expect(count()).toBeGreaterThan(frozen);
    ok(podman(['rm', '--force', '--time', '0', id2]));
  });

  it('top lists the container\'s processes (podman reads /proc itself, and with ps options runs ps by exec)', () => {
    const id = detached(['sh', '-c', 'sleep 1000 & wait']);
    const t = ok(podman(['top', id]));
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^USER\s+PID\s+PPID/);
    expect(lines.some((l) => /\s1\s+0\s.*sh -c sleep 1000 & wait\s*$/.test(l)), t.stdout).toBe(true);
    expect(lines.some((l) => /\bsleep 1000\s*$/.test(l)), t.stdout).toBe(true);
    const d = ok(podman(['top', id, 'pid', 'args']));
    expect(d.stdout).toMatch(/^PID\s+COMMAND\n1\s+sh -c sleep 1000 & wait/);
    // ps(1) options: podman runs busybox ps in the container through `wrunc exec`
    const p = ok(podman(['top', id, '-o', 'pid,args']));
    expect(p.stdout).toMatch(/^PID\s+COMMAND\n\s*1 sh -c sleep 1000 & wait\n\s*\d+ sleep 1000\n/);
    ok(podman(['rm', '--force', '--time', '0', id]));
  });

  it('as `runc` (podman then adds --log-format=json --log FILE): run, run -d, exec, stop, rm', () => {
    const r = podman(['run', '--rm', ...RUN_OPTS, image, 'sh', '-c', 'echo as runc; exit 3'], { runtime: pm.runcAlias });
    expect(r.stdout).toBe('as runc\n');
    expect(r.status, r.stderr).toBe(3);
    const id = detached(['sleep', '1000'], pm.runcAlias);
    expect(ok(podman(['exec', id, 'echo', 'exec as runc'])).stdout).toBe('exec as runc\n');
    ok(podman(['stop', '--time', '1', id]));
    ok(podman(['rm', id]));
  });

  it('run --device and --privileged: devices as podman gives them (fileMode is st_mode, 0o20666; runc masks off the type)', () => {
    const d = podman(['run', '--rm', ...RUN_OPTS, '--device', '/dev/null:/dev/mynull', image, 'sh', '-c', 'ls -l /dev/mynull; echo x > /dev/mynull']);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 /);
    const p = podman(['run', '--rm', ...RUN_OPTS, '--privileged', image, 'sh', '-c', 'test -c /dev/null && test -c /dev/zero && grep CapEff /proc/self/status']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^CapEff:\s+[0-9a-f]{16}\n$/);
  });

  it('a program that cannot run: podman\'s exit code is runc\'s (127 not found, 126 not executable)', () => {
    // podman derives these from the runtime's error text: "not found"/"no such file" -> 127,
    // "permission denied" -> 126 (runc: `exec: "/etc/passwd": permission denied`)
    const nf = podman(['run', '--rm', ...RUN_OPTS, image, '/nonexistent']);
    expect(nf.status, nf.stderr).toBe(127);
    expect(nf.stderr).toContain('/nonexistent');
    const np = podman(['run', '--rm', ...RUN_OPTS, image, 'nosuchcommand']);
    expect(np.status, np.stderr).toBe(127);
    const ne = podman(['run', '--rm', ...RUN_OPTS, image, '/etc/passwd']);
    expect(ne.status, ne.stderr).toBe(126);
  });

  it('leaves nothing behind: no container in podman, none in wrunc\'s root, no cgroup, no process, no mount', async () => {
    // every container podman made in this file, from its event log
    const ev = ok(podman(['events', '--stream=false', '--filter', 'type=container', '--format', '{{.ID}}']));
    const ids = new Set(ev.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{64}$/.test(l)));
    expect(ids.size).toBeGreaterThan(10);
    ok(podman(['rm', '--force', '--all', '--time', '0']));
    ok(podman(['image', 'rm', '--force', image]));
    expect(ok(podman(['ps', '--all', '--quiet'])).stdout).toBe('');

    // conmon and podman's exit command (container cleanup) may take a moment to finish
    let procs: string[] = [];
    for (let i = 0; i < 100; i++) {
      procs = processesMentioning(pm.dir.path);
      if (procs.length === 0) break;
      await sleep(100);
    }
    expect(procs).toEqual([]);
    const listed = wrunc(['list', '--quiet']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n').filter((l) => ids.has(l.trim()))).toEqual([]);
    expect([...ids].filter((id) => existsSync(`/run/wrunc/${id}`))).toEqual([]);
    expect([...ids].flatMap(containerCgroups)).toEqual([]);
    cleaned = true;
    expect(pm.cleanup()).toEqual([]);
  });
});
