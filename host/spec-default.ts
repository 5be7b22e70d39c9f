// The spec `wrunc spec` writes: runc 1.1.5's default (default-spec.json, byte-for-byte its
// output) and runc's rootless transform of it (libcontainer/specconv.ToRootless), key order
// included, so that bundles made by either runtime are interchangeable.
import defaultSpec from './default-spec.json' with { type: 'json' };

type Json = Record<string, any>;

export function defaultSpecFor(o: { rootless: boolean; uid: number; gid: number }): Json {
  const spec: Json = structuredClone(defaultSpec);
  return o.rootless ? toRootless(spec, o.uid, o.gid) : spec;
}

// Go's LinuxSpec field order: the mappings come first in the "linux" object
const LINUX_ORDER = ['uidMappings', 'gidMappings', 'sysctl', 'resources', 'cgroupsPath', 'namespaces', 'devices', 'seccomp',
  'rootfsPropagation', 'maskedPaths', 'readonlyPaths', 'mountLabel', 'intelRdt', 'personality'];

/** no network namespace (no way to set one up unprivileged), a user namespace mapping the caller to root, /sys bound not mounted, no id options, no resources */
export function toRootless(spec: Json, uid: number, gid: number): Json {
  const linux: Json = { ...spec.linux };
  linux.namespaces = [...(linux.namespaces ?? []).filter((n: Json) => n.type !== 'network' && n.type !== 'user'), { type: 'user' }];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  const ordered: Json = {};
  for (const k of [...LINUX_ORDER, ...Object.keys(linux)]) if (k in linux && !(k in ordered)) ordered[k] = linux[k];
  spec.linux = ordered;
  spec.mounts = (spec.mounts ?? []).map((m: Json) => {
    if (m.destination.replace(/\/+$/, '') === '/sys') {
      return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    }
    return m.options ? { ...m, options: m.options.filter((o: string) => !o.startsWith('uid=') && !o.startsWith('gid=')) } : m;
  });
  return spec;
}
