// Facts: parsers against fixed text, and the gathered facts against this machine.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatherFacts, pickEnv, subIds } from '../host/facts.js';
import { cgroupLayout, layoutFrom, parseProcCgroup } from '../host/cgroups/layout.js';

const flags = { rootless: 'auto', systemdCgroup: false, root: null } as const;

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const HYBRID_SELF = '4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/user.slice\n0::/user.slice\n';
const V2 = '30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const V1 = HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n');

describe('subIds', () => {
  const text = 'alice:100000:65536\n1000:200000:1000\nbob:300000:65536\nbad line\nalice:5:0\n';
  it('matches by name and by uid, skipping malformed and empty ranges', () => {
    expect(subIds(text, 'alice', 1000)).toEqual([{ start: 100000, count: 65536 }, { start: 200000, count: 1000 }]);
    expect(subIds(text, 'carol', 7)).toEqual([]);
    expect(subIds(text, null, 1000)).toEqual([{ start: 200000, count: 1000 }]);
  });
});

describe('pickEnv', () => {
  it('keeps only USER and XDG_RUNTIME_DIR, and keeps empty as set-but-empty', () => {
    expect(pickEnv({ USER: 'x', XDG_RUNTIME_DIR: '', HOME: '/h' })).toEqual({ USER: 'x', XDG_RUNTIME_DIR: '' });
    expect(pickEnv({})).toEqual({});
  });
});

describe('cgroup layout', () => {
  it('tells hybrid, v2, v1 and none apart', () => {
    expect(layoutFrom(HYBRID, HYBRID_SELF).mode).toBe('hybrid');
    expect(layoutFrom(V2, '0::/x\n').mode).toBe('v2');
    expect(layoutFrom(V1, HYBRID_SELF).mode).toBe('v1');
    expect(layoutFrom('22 27 0:21 / /proc rw - proc proc rw\n', '').mode).toBe('none');
  });
  it('maps co-mounted controllers and named hierarchies with this process\'s own path', () => {
    const l = layoutFrom(HYBRID, HYBRID_SELF);
    expect(l.v1.get('cpuacct')).toEqual({ mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', own: '/' });
    expect(l.v1.get('memory')?.own).toBe('/a/b');
    expect(l.v1.get('name=systemd')?.own).toBe('/user.slice');
    expect(l.unified?.mountpoint).toBe('/sys/fs/cgroup/unified');
  });
  it('parses /proc/self/cgroup', () => {
    expect(parseProcCgroup('0::/init.scope\n')).toEqual(new Map([['', '/init.scope']]));
  });
});

describe('gatherFacts on this machine', () => {
  it('reads ids, maps, env and the cgroup mode', () => {
    const f = gatherFacts({ command: 'state', flags, containerId: 'x' });
    expect(f.euid).toBe(process.geteuid!());
    expect(f.egid).toBe(process.getegid!());
    expect(f.uidMap).toBe(readFileSync('/proc/self/uid_map', 'utf8'));
    expect(f.command).toBe('state');
    expect(f.containerId).toBe('x');
    expect(['v1', 'v2', 'hybrid', 'none']).toContain(f.cgroup.mode);
  });
  it('skips the cgroup probe and criu for commands that do not need them', () => {
    const f = gatherFacts({ command: 'state', flags });
    expect(f.cgroup.writable).toBe(false);
    expect(f.criu.available).toBe(false);
  });
  it.runIf(process.geteuid!() === 0)('as root, the probe can write a cgroup and leaves nothing behind', () => {
    const f = gatherFacts({ command: 'create', flags, containerId: 'probe-test' });
    if (f.cgroup.mode === 'none') return;
    expect(f.cgroup.writable).toBe(true);
    const layout = cgroupLayout();
    for (const h of [...layout.v1.values(), ...(layout.unified ? [layout.unified] : [])]) {
      expect(readdirSync(h.mountpoint).filter((n) => n.startsWith('.wrunc-probe-'))).toEqual([]);
    }
  });
});
