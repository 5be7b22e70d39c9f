// The process's identity and privileges, in runc's order: drop the bounding set while still
// privileged, switch groups and ids keeping the permitted capabilities, then set the effective,
// permitted and inheritable sets, raise the ambient ones, and finally no_new_privs.
import { readFileSync } from 'node:fs';
import { PR, capset, check, errno, prctl, setgroups, setresgid, setresuid } from '../ffi.js';
import type { Decisions, PlanProcess } from '../types.js';

const EINVAL = 22;
const CAP_V3 = 0x20080522;

export function applyIdentity(p: PlanProcess, decisions: Decisions, lastCap: number): void {
  const caps = p.capabilities;
  for (let c = 0; c <= lastCap; c++) {
    if (!hasCap(caps.bounding, c) && prctl(PR.CAPBSET_DROP, c, 0, 0, 0) < 0 && errno() !== EINVAL) {
      check(-1, 'process.capabilities', `drop capability ${c} from the bounding set`, '/process/capabilities/bounding');
    }
  }
  check(prctl(PR.SET_KEEPCAPS, 1, 0, 0, 0), 'process.capabilities', 'keep capabilities across setuid');
  // setgroups is impossible (EPERM) where the gid map was written with setgroups denied
  if (decisions.setgroups.value === 'allow') {
    check(setgroups(p.additionalGids.length, Uint32Array.from(p.additionalGids)), 'process.user', `setgroups ${p.additionalGids.join(',')}`, '/process/user/additionalGids');
  }
  check(setresgid(p.gid, p.gid, p.gid), 'process.user', `setresgid ${p.gid}`, '/process/user/gid');
  check(setresuid(p.uid, p.uid, p.uid), 'process.user', `setresuid ${p.uid}`, '/process/user/uid');
  check(prctl(PR.SET_KEEPCAPS, 0, 0, 0, 0), 'process.capabilities', 'clear keep-capabilities');

  const header = Buffer.alloc(8);
  header.writeUInt32LE(CAP_V3, 0);
  const data = Buffer.alloc(24); // two struct __user_cap_data_struct { u32 effective, permitted, inheritable }
  for (const [word, shift] of [[0, 0], [1, 32]] as const) {
    data.writeUInt32LE(bits(caps.effective, shift), word * 12);
    data.writeUInt32LE(bits(caps.permitted, shift), word * 12 + 4);
    data.writeUInt32LE(bits(caps.inheritable, shift), word * 12 + 8);
  }
  check(capset(header, data), 'process.capabilities', 'capset', '/process/capabilities');

  check(prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 'process.capabilities', 'clear ambient capabilities');
  for (let c = 0; c <= lastCap; c++) {
    // the kernel allows only what is both permitted and inheritable; runc skips the rest too
    if (hasCap(caps.ambient, c) && hasCap(caps.permitted, c) && hasCap(caps.inheritable, c)) {
      check(prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_RAISE, c, 0, 0), 'process.capabilities', `raise ambient capability ${c}`, '/process/capabilities/ambient');
    }
  }
  if (p.noNewPrivileges) check(prctl(PR.SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'process.no-new-privileges', 'no_new_privs', '/process/noNewPrivileges');
}

export function lastCapability(): number {
  return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
}

function hasCap(set: number, c: number): boolean {
  return Math.floor(set / 2 ** c) % 2 === 1;
}

function bits(set: number, shift: number): number {
  return Math.floor(set / 2 ** shift) % 2 ** 32;
}
