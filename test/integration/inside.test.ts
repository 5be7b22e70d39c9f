// Real containers through `bin/wrunc run`, checked from inside: the process is PID 1 of its own
// namespaces, sees the bundle's rootfs as /, the spec's hostname, capabilities and cgroup limits,
// and only stdio. Failures are one line with a code and a JSON Pointer, and leave nothing behind.
import { existsSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempBundle, tempStateRoot, wrunc, type TempDir } from './helpers.js';

// capability numbers by name (linux/capability.h)
const CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];
const capMask = (names: string[]) => names.reduce((m, n) => m | (1n << BigInt(CAPS.indexOf(n.replace(/^CAP_/, '')))), 0n);

const PIDS_LIMIT = 77;
const MEMORY_LIMIT = 64 * 1024 * 1024;

// the fds of PID 1 (one a line), then key=value lines; cgroup files for v1/hybrid and v2 layouts
const PROBE = [
  // plain output: a redirection or command substitution would show sh's own saved fds or pipe
  'ls /proc/1/fd',
  'echo pid=$$',
  'echo hostname=$(hostname)',
  'for n in mnt pid uts ipc net; do echo ns_$n=$(readlink /proc/self/ns/$n); done',
  'echo marker=$(cat /marker)',
  'echo capeff=$(grep CapEff /proc/self/status | cut -f2)',
  'echo pids=$(cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null)',
  'echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null)',
].join('; ');

describe.skipIf(!isRoot)('inside a container (root, bin/wrunc run)', () => {
  let root: TempDir;
  let bundle: TempDir & { spec: any };
  let report: Record<string, string>;
  let fds: string[];
  let status: number | null;
  let stderr: string;

  beforeAll(() => {
    root = tempStateRoot();
    bundle = tempBundle({
      args: ['sh', '-c', PROBE],
      edit: (spec) => {
        spec.hostname = 'inside-test';
        spec.linux.resources = { ...spec.linux.resources, pids: { limit: PIDS_LIMIT }, memory: { limit: MEMORY_LIMIT } };
      },
    });
    writeFileSync(join(bundle.path, 'rootfs', 'marker'), 'bundle-rootfs\n');
    const r = wrunc(['run', '--bundle', bundle.path, 'inside1'], { root: root.path });
    status = r.status;
    stderr = r.stderr;
    const lines = r.stdout.split('\n');
    fds = lines.slice(0, lines.findIndex((l) => l.startsWith('pid=')));
    report = Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  });

  afterAll(() => {
    bundle.cleanup();
    root.cleanup();
  });

  it('runs and exits 0', () => {
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('is PID 1', () => expect(report.pid).toBe('1'));

  it("has the spec's hostname", () => expect(report.hostname).toBe('inside-test'));

  it("has its own mount, pid, uts, ipc and network namespaces", () => {
    for (const ns of ['mnt', 'pid', 'uts', 'ipc', 'net']) {
      expect(report[`ns_${ns}`], ns).toMatch(/^\w+:\[\d+\]$/);
      expect(report[`ns_${ns}`], ns).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
    }
  });

  it("sees the bundle's rootfs as /", () => expect(report.marker).toBe('bundle-rootfs'));

  it("has the spec's effective capabilities", () => {
    expect(BigInt(`0x${report.capeff}`)).toBe(capMask(bundle.spec.process.capabilities.effective));
  });

  it('has only stdin, stdout and stderr open', () => expect(fds).toEqual(['0', '1', '2']));

  it('runs under its pids and memory limits', () => {
    expect(report.pids).toBe(String(PIDS_LIMIT));
    expect(report.memory).toBe(String(MEMORY_LIMIT));
  });

  it('leaves nothing behind after it exits', () => {
    expect(existsSync(join(root.path, 'inside1'))).toBe(false);
  });
});

describe.skipIf(!isRoot)('exit status, a user namespace, setup failures (root, bin/wrunc run)', () => {
  let root: TempDir;
  beforeAll(() => { root = tempStateRoot(); });
  afterAll(() => root.cleanup());

  it("exits with the program's status", () => {
    const b = tempBundle({ args: ['sh', '-c', 'exit 3'] });
    try {
      expect(wrunc(['run', '--bundle', b.path, 'exit3'], { root: root.path }).status).toBe(3);
    } finally {
      b.cleanup();
    }
  });

  it('refuses a mount destination that escapes the rootfs through a symlink, leaving nothing behind', () => {
    const b = tempBundle({
      args: ['true'],
      edit: (spec) => spec.mounts.push({ destination: '/escape/inner', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }),
    });
    try {
      // from rootfs/, ../../../.. climbs far above it
      const link = join(b.path, 'rootfs', 'escape');
      symlinkSync('../../../../../../..', link);
      const index = b.spec.mounts.length - 1;
      const before = containerProcesses();
      const r = wrunc(['run', '--bundle', b.path, 'escape1'], { root: root.path });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`wrunc: mount.destination-escape: /escape/inner resolves outside the container's root filesystem (at /mounts/${index}/destination)`);
      expect(existsSync(join(root.path, 'escape1'))).toBe(false);
      // other test files' containers may come and go meanwhile: only a new process is a leftover
      expect(containerProcesses().filter((pid) => !before.includes(pid))).toEqual([]);
    } finally {
      b.cleanup();
    }
  });

  it('runs in a new user namespace with the id maps written, as root of that namespace', () => {
    const HOST = 100000;
    const b = tempBundle({
      args: ['sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user'],
      owner: HOST,
      edit: (spec) => {
        spec.linux.namespaces.push({ type: 'user' });
        spec.linux.uidMappings = [{ containerID: 0, hostID: HOST, size: 65536 }];
        spec.linux.gidMappings = [{ containerID: 0, hostID: HOST, size: 65536 }];
      },
    });
    try {
      const r = wrunc(['run', '--bundle', b.path, 'userns1'], { root: root.path });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const [uid, uidMap, gidMap, userns] = r.stdout.trim().split('\n');
      expect(uid).toBe('0');
      expect(uidMap.trim().split(/\s+/)).toEqual(['0', String(HOST), '65536']);
      expect(gidMap.trim().split(/\s+/)).toEqual(['0', String(HOST), '65536']);
      expect(userns).not.toBe(readlinkSync('/proc/self/ns/user'));
    } finally {
      b.cleanup();
    }
  });

  it('reports a program that is not in the PATH', () => {
    const b = tempBundle({ args: ['no-such-program'] });
    try {
      const r = wrunc(['run', '--bundle', b.path, 'notfound'], { root: root.path });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^wrunc: process\.not-found: .*no-such-program.* \(at \/process\/args\/0\)\n$/);
      expect(existsSync(join(root.path, 'notfound'))).toBe(false);
    } finally {
      b.cleanup();
    }
  });
});

/** pids of trampolines and init stages alive now */
function containerProcesses(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.includes('wrunc-tramp') || cmd.includes('build/init.cjs');
    } catch {
      return false;
    }
  });
}
