// Shared inputs for the core's unit tests: facts for the machines the contract names, and the
// runc fixtures.
import { readFileSync } from 'node:fs';
import type { Facts } from '../../host/types.js';

/** The repo's copies of runc 1.1.5's specs (test/vectors/README.md), so tests need nothing outside the repo. */
export const FIXTURES = new URL('../vectors/fixtures/', import.meta.url);
export const defaultSpecBytes = readFileSync(new URL('default.json', FIXTURES));
export const rootlessSpecBytes = readFileSync(new URL('rootless.json', FIXTURES));
export const defaultSpec = () => JSON.parse(defaultSpecBytes.toString('utf8'));
export const rootlessSpec = () => JSON.parse(rootlessSpecBytes.toString('utf8'));

export const enc = new TextEncoder();
export const bytes = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));

/** Real root on a host (initial user namespace). */
export function rootFacts(over: Partial<Facts> = {}): Facts {
  return {
    euid: 0,
    egid: 0,
    env: { USER: 'root' },
    uidMap: '         0          0 4294967295\n',
    gidMap: '         0          0 4294967295\n',
    flags: { rootless: 'auto', systemdCgroup: false, root: null },
    systemdOwnerUid: null,
    cgroup: { mode: 'hybrid', writable: true },
    idmapHelpers: { newuidmap: true, newgidmap: true },
    subuid: [],
    subgid: [],
    criu: { available: false },
    command: 'create',
    containerId: 'c1',
    ...over,
  };
}

/** An unprivileged user (uid 1000) with subordinate ranges. */
export function userFacts(over: Partial<Facts> = {}): Facts {
  return rootFacts({
    euid: 1000,
    egid: 1000,
    env: { USER: 'alice', XDG_RUNTIME_DIR: '/run/user/1000' },
    cgroup: { mode: 'v2', writable: false },
    subuid: [{ start: 100000, count: 65536 }],
    subgid: [{ start: 100000, count: 65536 }],
    ...over,
  });
}

/** Root inside a user namespace (Docker-in-LXD). */
export function lxdFacts(over: Partial<Facts> = {}): Facts {
  return rootFacts({
    uidMap: '         0     100000      65536\n',
    gidMap: '         0     100000      65536\n',
    env: { USER: 'root' },
    cgroup: { mode: 'hybrid', writable: true },
    ...over,
  });
}
