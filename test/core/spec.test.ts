// Spec validation and plan details beyond the fixtures: types, values, pointers, cgroup writes.
import { describe, expect, it } from 'vitest';
import { decide } from '../../host/core.js';
import type { Result } from '../../host/types.js';
import { bytes, defaultSpec, rootFacts } from './helpers.js';

const codes = (r: Result) => r.errors.map((e) => `${e.code} ${e.path}`);

describe('spec checks', () => {
  it('reports wrong types, missing fields and bad values with pointers', () => {
    const s = defaultSpec();
    s.process.terminal = 'yes';
    delete s.process.cwd;
    s.process.rlimits.push({ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 });
    s.linux.namespaces.push({ type: 'pid' });
    s.mounts[0].options = ['ro', 'rw'];
    s.root.path = 1;
    const r = decide(rootFacts(), bytes(s));
    expect(codes(r)).toEqual([
      'spec.value /linux/namespaces/5/type',
      'spec.type /root/path',
      'mount.option /mounts/0/options/1',
      'spec.type /process/terminal',
      'spec.required /process/cwd',
      'spec.value /process/rlimits/1/type',
    ]);
    for (const e of r.errors) expect(e.message).toMatch(/; .+\.$/);
  });

  it('hooks: env null when absent (inherit, as runc), [] when given empty, checked when given', () => {
    const s = defaultSpec();
    s.hooks = { prestart: [{ path: '/bin/a' }, { path: '/bin/b', env: [] }, { path: '/bin/c', env: ['A=1'], args: ['c'] }, { path: '/bin/d', env: null }] };
    const r = decide(rootFacts(), bytes(s));
    expect(r.errors).toEqual([]);
    expect(r.plan!.hooks.prestart.map((h) => h.env)).toEqual([null, [], ['A=1'], null]);
    s.hooks = { poststop: [{ path: '/bin/a', env: [1] }, { path: '/bin/b', env: 'A=1' }] };
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual(['spec.type /hooks/poststop/0/env/0', 'spec.type /hooks/poststop/1/env']);
  });

  it('device fileMode as st_mode (podman): type bits masked off, as runc', () => {
    const s = defaultSpec();
    s.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o20666 }];
    const r = decide(rootFacts(), bytes(s));
    expect(r.errors).toEqual([]);
    expect(r.plan!.devices.find((d) => d.path === '/dev/fuse')!.fileMode).toBe(0o666);
    s.linux.devices[0].fileMode = 0o1000000;
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual(['spec.value /linux/devices/0/fileMode']);
  });

  it('warns about unknown capabilities and drops them', () => {
    const s = defaultSpec();
    s.process.capabilities.bounding.push('CAP_BOGUS');
    const r = decide(rootFacts(), bytes(s));
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => `${w.code} ${w.path}`)).toEqual(['spec.capability-unknown /process/capabilities/bounding/3']);
  });

  it('parses propagation, recursive attributes and copy-up', () => {
    const s = defaultSpec();
    s.mounts.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rprivate', 'rro', 'rnoatime', 'tmpcopyup', 'x-opt'] });
    const m = decide(rootFacts(), bytes(s)).plan!.mounts[7];
    expect(m).toMatchObject({ flags: 0x1000 | 0x4000, propagation: [0x40000 | 0x4000], attrSet: 0x1 | 0x10, attrClr: 0x70, data: 'x-opt', copyUp: true });
  });

  it('hostname needs a UTS namespace; sysctl needs its namespace', () => {
    const s = defaultSpec();
    s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'uts' && n.type !== 'network');
    s.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192', 'vm.swappiness': '0' };
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual([
      'spec.value /hostname', 'spec.value /linux/sysctl/net.ipv4.ip_forward', 'spec.value /linux/sysctl/vm.swappiness',
    ]);
  });

  it('validates seccomp and writes it normalized', () => {
    const s = defaultSpec();
    s.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 4294967296, op: 'SCMP_CMP_EQ' }] }],
    };
    const r = decide(rootFacts(), bytes(s));
    expect(r.ok).toBe(true);
    expect(r.plan!.seccomp!.syscalls[0].args[0]).toEqual({ index: 0, value: '4294967296', valueTwo: '0', op: 'SCMP_CMP_EQ' });
    s.linux.seccomp.syscalls[0].action = 'SCMP_ACT_NOPE';
    s.linux.seccomp.syscalls[0].args[0].index = 6;
    expect(codes(decide(rootFacts(), bytes(s)))).toEqual([
      'spec.value /linux/seccomp/syscalls/0/action', 'spec.value /linux/seccomp/syscalls/0/args/0/index',
    ]);
  });
});

describe('cgroup writes', () => {
  const resources = {
    memory: { limit: 1073741824, reservation: 536870912, swap: 2147483648 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1' },
    pids: { limit: -1 },
    blockIO: { weight: 500 },
  };

  it('v2: runc conversions', () => {
    const s = defaultSpec();
    s.linux.resources = resources;
    const r = decide(rootFacts({ cgroup: { mode: 'v2', writable: true } }), bytes(s));
    expect(r.plan!.cgroup.writes).toEqual([
      { controller: '', file: 'memory.swap.max', value: '1073741824' },
      { controller: '', file: 'memory.max', value: '1073741824' },
      { controller: '', file: 'memory.low', value: '536870912' },
      { controller: '', file: 'cpu.weight', value: '39' },
      { controller: '', file: 'cpu.max', value: '50000 100000' },
      { controller: '', file: 'cpuset.cpus', value: '0-1' },
      { controller: '', file: 'pids.max', value: 'max' },
      { controller: '', file: 'io.weight', value: String(1 + Math.floor((500 - 10) * 9999 / 990)) },
    ]);
  });

  it('v1: controller files', () => {
    const s = defaultSpec();
    s.linux.resources = { ...resources, pids: { limit: 100 } };
    const w = decide(rootFacts({ cgroup: { mode: 'v1', writable: true } }), bytes(s)).plan!.cgroup.writes;
    expect(w.map((x) => `${x.controller}/${x.file}=${x.value}`)).toEqual([
      'memory/memory.limit_in_bytes=1073741824', 'memory/memory.soft_limit_in_bytes=536870912',
      'memory/memory.memsw.limit_in_bytes=2147483648', 'cpu/cpu.shares=1024', 'cpu/cpu.cfs_period_us=100000',
      'cpu/cpu.cfs_quota_us=50000', 'cpuset/cpuset.cpus=0-1', 'pids/pids.max=100', 'blkio/blkio.weight=500',
    ]);
  });

  it('v2 device rules: warning, skipped; unified refused on v1', () => {
    const s = defaultSpec();
    const r = decide(rootFacts({ cgroup: { mode: 'v2', writable: true } }), bytes(s));
    expect(r.warnings.map((w) => w.code)).toEqual(['cgroup.devices-v2']);
    expect(r.plan!.cgroup.writes).toEqual([]);
    s.linux.resources.unified = { 'memory.high': '1G' };
    expect(codes(decide(rootFacts({ cgroup: { mode: 'v1', writable: true } }), bytes(s)))).toEqual(['spec.value /linux/resources/unified']);
  });
});
