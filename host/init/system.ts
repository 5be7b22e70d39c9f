// Per-container system settings made from inside the namespaces: hostname, domainname, sysctl
// (files under /proc/sys), the session keyring, oom_score_adj, personality and rlimits.
import { writeFileSync } from 'node:fs';
import { WruncError } from '../errors.js';
import { check, errno, joinSessionKeyring, personality, prlimit, sethostname, setdomainname } from '../ffi.js';
import type { Plan, PlanProcess } from '../types.js';

const ENOSYS = 38;

export function setNames(plan: Plan): void {
  if (plan.hostname !== null) check(sethostname(plan.hostname, Buffer.byteLength(plan.hostname)), 'hostname.set', `sethostname ${plan.hostname}`, '/hostname');
  if (plan.domainname !== null) check(setdomainname(plan.domainname, Buffer.byteLength(plan.domainname)), 'hostname.set', `setdomainname ${plan.domainname}`, '/domainname');
}

export function writeSysctls(plan: Plan): void {
  for (const { key, value } of plan.sysctl) {
    try {
      writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
    } catch (e) {
      throw new WruncError('sysctl.write', `sysctl ${key}=${value}: ${(e as Error).message}`, `/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  }
}

/** a fresh session keyring, so the container does not share the caller's keys (runc's default) */
export function joinKeyring(id: string): void {
  if (joinSessionKeyring(`_ses.${id}`) < 0 && errno() !== ENOSYS) check(-1, 'keyring.join', 'join a new session keyring');
}

export function setOomScoreAdj(p: PlanProcess): void {
  if (p.oomScoreAdj === null) return;
  try {
    writeFileSync('/proc/self/oom_score_adj', String(p.oomScoreAdj));
  } catch (e) {
    throw new WruncError('process.oom-score-adj', `oom_score_adj ${p.oomScoreAdj}: ${(e as Error).message}`, '/process/oomScoreAdj');
  }
}

export function setPersonality(plan: Plan): void {
  if (!plan.personality) return;
  check(personality(plan.personality.domain), 'process.personality', 'personality', '/linux/personality');
}

export function setRlimits(p: PlanProcess): void {
  p.rlimits.forEach((r, i) => {
    const lim = Buffer.alloc(16); // struct rlimit { u64 cur, max }
    lim.writeBigUInt64LE(BigInt(r.soft), 0);
    lim.writeBigUInt64LE(BigInt(r.hard), 8);
    check(prlimit(0, r.resource, lim, null), 'process.rlimit', `${r.type} ${r.soft}/${r.hard}`, `/process/rlimits/${i}`);
  });
}
