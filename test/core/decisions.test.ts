// The contract's decision table and checks, on the runc fixtures and the machines that matter.
import { describe, expect, it } from 'vitest';
import { decide } from '../../host/core.js';
import type { Decisions, Result } from '../../host/types.js';
import { bytes, defaultSpec, defaultSpecBytes, lxdFacts, rootFacts, rootlessSpec, userFacts } from './helpers.js';

const values = (r: Result) =>
  Object.fromEntries(Object.entries(r.decisions as Decisions).map(([k, v]) => [k, v.value]));
const codes = (r: Result) => r.errors.map((e) => `${e.code} ${e.path}`);

/** The rootless fixture as `runc spec --rootless` prints it for uid/gid 1000. */
function rootlessFor(id: number) {
  const s = rootlessSpec();
  s.linux.uidMappings[0].hostID = id;
  s.linux.gidMappings[0].hostID = id;
  return s;
}

describe('runc default spec as root', () => {
  const r = decide(rootFacts(), defaultSpecBytes);

  it('is accepted with a plan', () => {
    expect(r).toMatchObject({ abi: 1, ok: true, errors: [], warnings: [] });
    expect(r.plan).not.toBeNull();
  });

  it('decides as runc would for real root', () => {
    expect(values(r)).toEqual({
      inUserNamespace: false, rootlessEuid: false, honorXdgRuntimeDir: false, stateRoot: '/run/wrunc',
      rootlessCgroups: false, cgroupManager: 'fs', cgroupFeatures: true, deviceCgroup: true, psSource: 'cgroup',
      checkpointRestore: false, setgroups: 'allow', idmapWriter: 'none', additionalGids: true,
    });
    for (const d of Object.values(r.decisions!)) expect(d.reason).toMatch(/^[a-z0-9-]+: \S/);
  });

  it('plans namespaces in order with clone flags', () => {
    const p = r.plan!;
    expect(p.namespaces.map((n) => n.type)).toEqual(['ipc', 'uts', 'network', 'pid', 'mount']);
    expect(p.cloneFlags).toBe(0x08000000 | 0x04000000 | 0x40000000 | 0x20000000 | 0x00020000);
    expect(p.newUserNamespace).toBe(false);
    expect(p.uidMap).toBe('');
  });

  it('parses mount options as runc', () => {
    const [proc, dev, pts, shm, , sys, cg] = r.plan!.mounts;
    expect(proc).toMatchObject({ destination: '/proc', type: 'proc', flags: 0, data: '' });
    expect(dev).toMatchObject({ flags: 0x2 | 0x1000000, data: 'mode=755,size=65536k' });
    expect(pts).toMatchObject({ flags: 0x2 | 0x8, data: 'newinstance,ptmxmode=0666,mode=0620,gid=5', index: 2 });
    expect(shm.flags).toBe(0x2 | 0x8 | 0x4);
    expect(sys.flags).toBe(0x2 | 0x8 | 0x4 | 0x1);
    expect(cg.flags).toBe(0x2 | 0x8 | 0x4 | 0x200000 | 0x1);
    expect(r.plan!.rootfsPropagation).toBe(0x80000 | 0x4000);
  });

  it('plans devices, identity, capabilities and rlimits', () => {
    const p = r.plan!;
    expect(p.devices.map((d) => `${d.path} ${d.major}:${d.minor} ${d.fileMode.toString(8)}`)).toEqual([
      '/dev/null 1:3 666', '/dev/zero 1:5 666', '/dev/full 1:7 666', '/dev/random 1:8 666', '/dev/urandom 1:9 666', '/dev/tty 5:0 666',
    ]);
    const caps = 2 ** 29 + 2 ** 5 + 2 ** 10;
    expect(p.process!.capabilities).toEqual({ bounding: caps, effective: caps, inheritable: 0, permitted: caps, ambient: caps });
    expect(p.process!.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', resource: 7, soft: '1024', hard: '1024' }]);
    expect(p.process).toMatchObject({ uid: 0, gid: 0, cwd: '/', args: ['sh'], terminal: true, noNewPrivileges: true });
    expect(p.maskedPaths).toHaveLength(10);
    expect(p.readonlyPaths).toHaveLength(5);
  });

  it('writes v1 device rules: deny all, then runc defaults', () => {
    const c = r.plan!.cgroup;
    expect(c.path).toBe('/c1');
    expect(c.writes[0]).toEqual({ controller: 'devices', file: 'devices.deny', value: 'a' });
    expect(c.writes.slice(1).map((w) => w.value)).toContain('c 136:* rwm');
  });

  it('no spec: decisions only', () => {
    const n = decide(rootFacts({ command: 'state' }), null);
    expect(n.ok).toBe(true);
    expect(n.plan).toBeNull();
    expect(values(n).stateRoot).toBe('/run/wrunc');
  });
});

describe('Docker-in-LXD: root in a user namespace', () => {
  const facts = lxdFacts();
  const r = decide(facts, defaultSpecBytes);

  it('accepts the default spec; devpts gid=5 is mapped in the runtime namespace', () => {
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.plan!.mounts[2].data).toContain('gid=5');
  });

  it('uses cgroupfs and /run/wrunc', () => {
    expect(values(r)).toMatchObject({
      inUserNamespace: true, rootlessEuid: false, rootlessCgroups: false, cgroupManager: 'fs', stateRoot: '/run/wrunc',
    });
  });

  it('refuses a gid the runtime namespace does not map', () => {
    const s = defaultSpec();
    s.mounts[2].options.push('uid=70000');
    expect(codes(decide(facts, bytes(s)))).toEqual(['mount.unmapped-id /mounts/2/options/6']);
  });

  it('treats an unwritable cgroup as rootless cgroups, and honours XDG for a non-root USER', () => {
    const u = decide(lxdFacts({ cgroup: { mode: 'v2', writable: false }, env: { USER: 'bob', XDG_RUNTIME_DIR: '/run/user/0' } }), null);
    expect(values(u)).toMatchObject({ rootlessCgroups: true, cgroupManager: 'rootless-fs', honorXdgRuntimeDir: true, stateRoot: '/run/user/0/wrunc', psSource: 'procfs' });
  });
});

describe('mount.unmapped-id under a spec user namespace', () => {
  it('gid=5 with a single mapping is refused at its option', () => {
    const s = defaultSpec();
    s.linux.namespaces.push({ type: 'user' });
    s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    const r = decide(rootFacts(), bytes(s));
    expect(codes(r)).toEqual(['mount.unmapped-id /mounts/2/options/5']);
    expect(r.plan).toBeNull();
    expect(r.errors[0].message).toMatch(/gid 5/);
  });

  it('gid=5 inside a 65536 mapping is fine, and the maps become lines', () => {
    const s = defaultSpec();
    s.linux.namespaces.push({ type: 'user' });
    s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const r = decide(rootFacts(), bytes(s));
    expect(r.ok).toBe(true);
    expect(r.plan!.uidMap).toBe('0 100000 65536\n');
    expect(r.plan!.namespaces[0]).toEqual({ type: 'user', flag: 0x10000000, path: null });
    expect(values(r)).toMatchObject({ idmapWriter: 'direct', setgroups: 'allow' });
  });
});

describe('rootless', () => {
  it('accepts runc spec --rootless with direct maps and setgroups deny', () => {
    const r = decide(userFacts(), bytes(rootlessFor(1000)));
    expect(r.errors).toEqual([]);
    expect(values(r)).toEqual({
      inUserNamespace: false, rootlessEuid: true, honorXdgRuntimeDir: true, stateRoot: '/run/user/1000/wrunc',
      rootlessCgroups: true, cgroupManager: 'rootless-fs', cgroupFeatures: false, deviceCgroup: false, psSource: 'procfs',
      checkpointRestore: false, setgroups: 'deny', idmapWriter: 'direct', additionalGids: false,
    });
    expect(r.plan!.uidMap).toBe('0 1000 1\n');
    expect(r.decisions!.rootlessEuid.reason).toBe('euid-nonzero: the runtime runs as uid 1000');
  });

  it('refuses the default spec: no user namespace', () => {
    expect(codes(decide(userFacts(), defaultSpecBytes))).toEqual(['rootless.userns-required /linux/namespaces']);
  });

  it('needs maps for a new user namespace', () => {
    const s = rootlessFor(1000);
    delete s.linux.uidMappings;
    delete s.linux.gidMappings;
    // errors are not suppressed as consequences (test/vectors/README.md): uid/gid 0 are unmapped too
    expect(codes(decide(userFacts(), bytes(s)))).toEqual([
      'rootless.uidmap-required /linux/uidMappings', 'rootless.gidmap-required /linux/gidMappings',
      'user.unmapped /process/user/uid', 'user.unmapped /process/user/gid',
    ]);
  });

  it('maps subordinate ranges through newidmap, and checks allotment and helpers', () => {
    const s = rootlessFor(1000);
    s.linux.uidMappings.push({ containerID: 1, hostID: 100000, size: 65536 });
    s.linux.gidMappings.push({ containerID: 1, hostID: 100000, size: 65536 });
    const ok = decide(userFacts(), bytes(s));
    expect(ok.errors).toEqual([]);
    expect(values(ok)).toMatchObject({ idmapWriter: 'newidmap', setgroups: 'allow', additionalGids: true });
    expect(codes(decide(userFacts({ idmapHelpers: { newuidmap: false, newgidmap: true } }), bytes(s)))).toEqual([
      'idmap.helper-missing /linux/uidMappings',
    ]);
    expect(codes(decide(userFacts({ subuid: [] }), bytes(s)))).toEqual(['idmap.not-allotted /linux/uidMappings/1/hostID']);
  });

  it('idmap.invalid, idmap.overlap, idmap.host-unmapped', () => {
    const s = rootlessFor(0);
    s.linux.uidMappings = [
      { containerID: 0, hostID: 0, size: 0 },
      { containerID: 0, hostID: 4294967295, size: 2 },
      { containerID: 10, hostID: 100, size: 10 },
      { containerID: 15, hostID: 200, size: 10 },
      { containerID: 100, hostID: 105, size: 1 },
    ];
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual([
      'idmap.invalid /linux/uidMappings/0/size',
      'idmap.invalid /linux/uidMappings/1/size',
      'idmap.overlap /linux/uidMappings/3',
      'idmap.overlap /linux/uidMappings/4',
    ]);
    s.linux.uidMappings = Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: i, size: 1 }));
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual(['idmap.invalid /linux/uidMappings']);
    s.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 70000 }];
    expect(codes(decide(lxdFacts(), bytes(s)))).toEqual(['idmap.host-unmapped /linux/uidMappings/0/hostID']);
  });

  it('process user and additional gids', () => {
    const s = rootlessFor(1000);
    s.process.user = { uid: 1, gid: 0, additionalGids: [0] };
    expect(codes(decide(userFacts(), bytes(s)))).toEqual([
      'user.unmapped /process/user/uid', 'user.additional-gids /process/user/additionalGids',
    ]);
  });
});

describe('decision table details', () => {
  it('--rootless and --root flags win', () => {
    const r = decide(rootFacts({ flags: { rootless: 'true', systemdCgroup: false, root: '/tmp/st' } }), null);
    expect(values(r)).toMatchObject({ rootlessCgroups: true, cgroupManager: 'rootless-fs', stateRoot: '/tmp/st' });
  });

  it('systemd driver in a user namespace follows the bus owner', () => {
    const f = (owner: number | null) => lxdFacts({ flags: { rootless: 'auto', systemdCgroup: true, root: null }, systemdOwnerUid: owner });
    expect(values(decide(f(1000), null))).toMatchObject({ rootlessCgroups: true, cgroupManager: 'systemd' });
    expect(values(decide(f(null), null))).toMatchObject({ rootlessCgroups: false, cgroupManager: 'systemd' });
  });

  it('cgroup mode none', () => {
    expect(values(decide(rootFacts({ cgroup: { mode: 'none', writable: true } }), null))).toMatchObject({
      cgroupManager: 'none', cgroupFeatures: false, deviceCgroup: false, psSource: 'procfs',
    });
  });

  it('deviceCgroup: v1 device rules only outside a user namespace (Docker-in-LXD got EPERM on devices.deny)', () => {
    const devWrites = (r: ReturnType<typeof decide>) => r.plan!.cgroup.writes.filter((w) => w.controller === 'devices').map((w) => `${w.file} ${w.value}`);
    const host = decide(rootFacts(), defaultSpecBytes);
    expect(host.decisions!.deviceCgroup.value).toBe(true);
    expect(devWrites(host)[0]).toBe('devices.deny a');
    expect(devWrites(host)).toHaveLength(12);
    const lxd = decide(lxdFacts(), defaultSpecBytes);
    expect(lxd.ok).toBe(true);
    expect(lxd.decisions!.deviceCgroup).toEqual({ value: false, reason: 'userns: device cgroup rules need CAP_SYS_ADMIN in the initial user namespace; devices are limited by the user namespace itself' });
    expect(devWrites(lxd)).toEqual([]);
    const v2 = decide(rootFacts({ cgroup: { mode: 'v2', writable: true } }), defaultSpecBytes);
    expect(v2.decisions!.deviceCgroup.value).toBe(false);
    expect(v2.warnings.map((w) => w.code)).toEqual(['cgroup.devices-v2']);
  });

  it('command.unavailable for checkpoint and pause, never for ps', () => {
    expect(codes(decide(rootFacts({ command: 'checkpoint' }), null))).toEqual(['command.unavailable /facts/command']);
    expect(decide(rootFacts({ command: 'checkpoint', criu: { available: true } }), null).ok).toBe(true);
    expect(codes(decide(userFacts({ command: 'pause' }), null))).toEqual(['command.unavailable /facts/command']);
    expect(decide(userFacts({ command: 'ps' }), null).ok).toBe(true);
  });
});
