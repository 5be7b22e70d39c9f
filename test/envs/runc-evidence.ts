// Runs the scenarios of test/integration/rootless.test.ts with Debian's runc (or any runtime in
// WRUNC_TEST_RUNTIME) and prints what happened: the harness's validation, and evidence of runc's
// behaviour in each environment for the README.
//   WRUNC_TEST_RUNTIME=/usr/sbin/runc node scripts/run-ts.mjs test/envs/runc-evidence.ts [--keep]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_NAMES, RUNTIME, USER_SUB, delegatedCgroupDir, findCgroups, getEnv, teardownAll, type Env, type RunResult } from './harness.js';
import { PROBE_ARGS, parseProbe } from './probe.js';

const keep = process.argv.includes('--keep');
let n = 0;
const id = (t: string) => `ev-${t}-${process.pid}-${++n}`;
const one = (r: RunResult) => `exit ${r.status}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-1)[0]}` : ''}`;
const log = (env: string, what: string, result: string) => console.log(`${env.padEnd(13)} ${what.padEnd(52)} ${result}`);
const leftovers = (e: Env, cid: string, roots: string[]) => {
  const s = roots.filter((r) => existsSync(e.hostPath(join(r, cid))));
  const c = findCgroups(cid);
  const p = e.strayProcesses();
  return s.length || c.length || p.length ? `LEFT: state ${s} cgroups ${c} procs ${p.map((x) => x.cmd)}` : 'nothing left';
};

console.log(`runtime: ${RUNTIME}`);
for (const name of ENV_NAMES) getEnv(name).setup();

const multi = (e: Env) => (s: any) => {
  s.linux.uidMappings = [{ containerID: 0, hostID: e.uid, size: 1 }, { containerID: 1, hostID: USER_SUB.start, size: USER_SUB.count }];
  s.linux.gidMappings = [{ containerID: 0, hostID: e.gid, size: 1 }, { containerID: 1, hostID: USER_SUB.start, size: USER_SUB.count }];
  s.process.user.additionalGids = [5, 100];
};
const addGid5 = (s: any) => { const m = s.mounts.find((x: any) => x.type === 'devpts'); if (!m.options.includes('gid=5')) m.options.push('gid=5'); };

for (const name of ENV_NAMES) {
  const e = getEnv(name);
  const rootless = name === 'rootless' || name === 'dind-user';
  const xdg = e.vars.XDG_RUNTIME_DIR;
  const roots = ['/run/wrunc', '/run/runc', ...(xdg ? [`${xdg}/runc`, `${xdg}/wrunc`] : [])];
  const limits = name === 'userns-root' || name === 'userns-alice';
  // probe
  {
    const cid = id('run');
    const { dir } = e.makeBundle('ev-run', {
      rootless, args: PROBE_ARGS,
      edit: (s) => { if (limits) { if (name === 'userns-root') s.linux.cgroupsPath = cid; s.linux.resources = { memory: { limit: 67108864 }, pids: { limit: 32 } }; } },
    });
    const r = e.runtime(['run', '--bundle', dir, cid], { cwd: dir });
    const p = parseProbe(r.stdout);
    log(name, `run ${rootless ? 'spec --rootless' : 'default spec'}${limits ? ' + mem/pids limits' : ''}`, one(r));
    if (r.status === 0) {
      log('', '  uid_map / setgroups / id', `${p.uid_map.replace(/\s+/g, ' ')} / ${p.setgroups} / ${p.id}`);
      log('', '  devpts', p.devpts.replace(/.* - devpts devpts /, ''));
      if (limits) log('', '  memory.limit / pids.max inside', `${p['memory.limit']} / ${p['pids.max'].split('\n')[0]}`);
    }
    log('', '  after', leftovers(e, cid, roots));
  }
  // create: where does state go
  {
    const cid = id('create');
    const { dir } = e.makeBundle('ev-create', { rootless, args: ['sleep', '600'], edit: (s) => { if (name === 'userns-root') s.linux.cgroupsPath = cid; } });
    const r = e.runtime(['create', '--bundle', dir, cid], { cwd: dir });
    const where = roots.filter((root) => existsSync(e.hostPath(join(root, cid))));
    log(name, 'create: state dir', `${one(r)}; state in ${where.join(', ') || 'none of ' + roots.join(' ')}`);
    if (name === 'userns-root') {
      const mem = delegatedCgroupDir('memory');
      log('', '  container cgroup under the delegated subtree', String(existsSync(join(mem!, cid))));
    }
    e.runtime(['start', cid]);
    const ps = e.runtime(['ps', cid]);
    log('', '  ps (running)', `${one(ps)} ${ps.stdout.trim().split('\n').length - 1} process line(s)`);
    const d = e.runtime(['delete', '--force', cid]);
    log('', '  delete --force', `${one(d)}; ${leftovers(e, cid, roots)}`);
  }
  if (rootless) {
    for (const [what, opts, hide] of [
      ['gid=5 devpts, single mapping', { rootless: true, edit: addGid5 }, false],
      ['rootful spec as rootless', { rootless: false }, false],
      ...(name === 'rootless' ? [
        ['multi-range + additionalGids [5,100] + gid=5', { rootless: true, args: PROBE_ARGS, edit: (s: any) => { multi(e)(s); addGid5(s); } }, false],
        ['multi-range (no additionalGids) + gid=5', { rootless: true, args: PROBE_ARGS, edit: (s: any) => { multi(e)(s); s.process.user.additionalGids = []; addGid5(s); } }, false],
        ['mapping outside /etc/subuid', { rootless: true, edit: (s: any) => { multi(e)(s); s.linux.uidMappings[1].hostID = 400000; } }, false],
        ['multi-range with newuidmap hidden', { rootless: true, edit: multi(e) }, true],
      ] : []),
    ] as [string, any, boolean][]) {
      const cid = id('err');
      const { dir } = e.makeBundle('ev-err', { args: ['true'], ...opts });
      const r = e.runtime(['run', '--bundle', dir, cid], { cwd: dir, hideIdmapHelpers: hide });
      log(name, what, one(r));
      if (r.status === 0 && r.stdout.includes('==end')) {
        const p = parseProbe(r.stdout);
        log('', '  uid_map / setgroups / Groups', `${p.uid_map.replace(/\s+/g, ' ')} / ${p.setgroups} / ${/Groups:(.*)/.exec(p.status)?.[1].trim()}`);
        log('', '  devpts', p.devpts.replace(/.* - devpts devpts /, ''));
      }
      log('', '  after', leftovers(e, cid, roots));
    }
  }
  if (name === 'rootless') {
    const cid = id('ck');
    const { dir } = e.makeBundle('ev-ck', { rootless: true, args: ['sleep', '600'] });
    e.runtime(['create', '--bundle', dir, cid], { cwd: dir });
    e.runtime(['start', cid]);
    const r = e.runtime(['checkpoint', '--image-path', join(e.dir, 'ck'), cid]);
    log(name, 'checkpoint as rootless', one(r));
    e.runtime(['delete', '--force', cid]);
  }
}
if (!keep) {
  const problems = teardownAll();
  console.log(problems.length ? `teardown problems:\n${problems.join('\n')}` : 'teardown: clean');
  for (const f of ['/etc/subuid', '/etc/subgid']) console.log(`${f}: ${JSON.stringify(readFileSync(f, 'utf8'))}`);
}
