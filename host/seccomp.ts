// linux.seccomp: builds a BPF filter with libseccomp (loaded here through koffi, its own library)
// and loads it. Semantics follow runc: unknown syscall names are skipped, rules whose action
// equals the default action are dropped, conditions on the same argument become separate rules
// (OR), errnoRet defaults to EPERM for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, libseccomp's implicit
// PR_SET_NO_NEW_PRIVS is turned off (process.noNewPrivileges decides that, not the filter).
//
// Threads. The init stage is Node: the main thread plus V8 and libuv workers. A filter normally
// binds only the calling thread, and that is all the container needs: execve() kills every other
// thread and the program inherits the caller's filter. So TSYNC is set only when the profile
// asks for SECCOMP_FILTER_FLAG_TSYNC. Not syncing by default keeps a strict profile (default
// SCMP_ACT_KILL_PROCESS, say) from killing init because a GC worker made a syscall in the few
// milliseconds before execve. Either way the main thread runs under the filter from then on, so
// the caller loads it as late as it can: just before execve, or, without noNewPrivileges, just
// before capabilities are dropped (loading needs no_new_privs or CAP_SYS_ADMIN), as runc does.
import type { LibraryHandle } from 'koffi';
import { closeSync, openSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WruncError } from './errors.js';
import { errnoText, koffi } from './ffi.js';

/** linux.seccomp as config.json has it (runtime-spec config-linux.md) */
export interface OciSeccomp {
  defaultAction: string;
  /** null or absent: EPERM where it applies (the plan writes null) */
  defaultErrnoRet?: number | null;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: OciSyscall[];
}

export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number | null;
  args?: OciSyscallArg[];
}

/** value/valueTwo are u64: a JSON number loses precision above 2^53, so strings and bigints are accepted too */
export interface OciSyscallArg {
  index: number;
  value: number | string | bigint;
  valueTwo?: number | string | bigint;
  op: string;
}

const EPERM = 1;
const SPEC_PATH = '/linux/seccomp';

const ACT_KILL_THREAD = 0x00000000;
const ACT_KILL_PROCESS = 0x80000000;
const ACT_TRAP = 0x00030000;
const ACT_LOG = 0x7ffc0000;
const ACT_ALLOW = 0x7fff0000;
const actErrno = (ret: number) => (0x00050000 | (ret & 0xffff)) >>> 0;
const actTrace = (ret: number) => (0x7ff00000 | (ret & 0xffff)) >>> 0;

/** spec action name -> libseccomp action value; the ones taking errnoRet get it as argument */
const ACTIONS: Record<string, (errnoRet: number) => number> = {
  SCMP_ACT_KILL: () => ACT_KILL_THREAD,
  SCMP_ACT_KILL_THREAD: () => ACT_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: () => ACT_KILL_PROCESS,
  SCMP_ACT_TRAP: () => ACT_TRAP,
  SCMP_ACT_ERRNO: actErrno,
  SCMP_ACT_TRACE: actTrace,
  SCMP_ACT_ALLOW: () => ACT_ALLOW,
  SCMP_ACT_LOG: () => ACT_LOG,
};
const TAKES_ERRNO_RET = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

const OPS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

const ATTR_CTL_NNP = 3;
const ATTR_CTL_TSYNC = 4;
const ATTR_CTL_LOG = 6;
const ATTR_CTL_SSB = 7;

/** spec flag -> filter attribute set to 1 */
const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: ATTR_CTL_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: ATTR_CTL_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: ATTR_CTL_SSB,
};

const NR_SCMP_ERROR = -1;

interface Libseccomp {
  init(defAction: number): bigint | null;
  release(ctx: bigint): void;
  archResolveName(name: string): number;
  archAdd(ctx: bigint, arch: number): number;
  attrSet(ctx: bigint, attr: number, value: number): number;
  resolveName(name: string): number;
  ruleAddArray(ctx: bigint, action: number, syscall: number, count: number, args: ArgCmp[] | null): number;
  load(ctx: bigint): number;
  exportBpf(ctx: bigint, fd: number): number;
}

interface ArgCmp { arg: number; op: number; datum_a: bigint; datum_b: bigint }

let lib: Libseccomp | null = null;

function libseccomp(): Libseccomp {
  if (lib) return lib;
  let so: LibraryHandle;
  try {
    so = koffi.load('libseccomp.so.2');
  } catch (e) {
    throw new WruncError('seccomp.unavailable', `cannot load libseccomp.so.2 (install libseccomp2): ${(e as Error).message}`, SPEC_PATH);
  }
  const scmpArgCmp = koffi.struct('scmp_arg_cmp', { arg: 'unsigned int', op: 'int', datum_a: 'uint64_t', datum_b: 'uint64_t' });
  lib = {
    init: so.func('void *seccomp_init(uint32_t def_action)'),
    release: so.func('void seccomp_release(void *ctx)'),
    archResolveName: so.func('uint32_t seccomp_arch_resolve_name(const char *name)'),
    archAdd: so.func('int seccomp_arch_add(void *ctx, uint32_t arch)'),
    attrSet: so.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
    resolveName: so.func('int seccomp_syscall_resolve_name(const char *name)'),
    ruleAddArray: so.func('seccomp_rule_add_array', 'int', ['void *', 'uint32_t', 'int', 'unsigned int', koffi.pointer(scmpArgCmp)]),
    load: so.func('int seccomp_load(void *ctx)'),
    exportBpf: so.func('int seccomp_export_bpf(void *ctx, int fd)'),
  };
  return lib;
}

/** A filter built but not loaded: inspect it with bpf(), then load() or release(). */
export interface SeccompFilter {
  /** the classic BPF program libseccomp generated (8 bytes per instruction) */
  bpf(): Buffer;
  /** installs the filter on the calling thread (all threads with SECCOMP_FILTER_FLAG_TSYNC) */
  load(): void;
  release(): void;
}

function u64(v: number | string | bigint | undefined, path: string): bigint {
  if (v === undefined) return 0n;
  try {
    const b = BigInt(v);
    if (b >= 0n && b < 1n << 64n) return b;
  } catch {
    // falls through to the error below
  }
  throw new WruncError('seccomp.invalid-value', `${String(v)} is not an unsigned 64-bit integer`, path);
}

function action(name: string, errnoRet: number | null | undefined, path: string): number {
  if (name === 'SCMP_ACT_NOTIFY') {
    throw new WruncError('seccomp.notify-unsupported', 'SCMP_ACT_NOTIFY (seccomp user notification to a listenerPath agent) is not supported by wrunc', path);
  }
  const make = ACTIONS[name];
  if (!make) throw new WruncError('seccomp.unknown-action', `unknown seccomp action ${JSON.stringify(name)}`, path);
  if (errnoRet != null && !TAKES_ERRNO_RET.has(name)) {
    throw new WruncError('seccomp.errno-ret', `errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${name}`, path);
  }
  return make(errnoRet ?? EPERM);
}

/** Builds the filter for a profile. Throws WruncError seccomp.* on anything libseccomp or the spec refuses. */
export function compileSeccomp(seccomp: OciSeccomp): SeccompFilter {
  const sc = libseccomp();
  if (seccomp.listenerPath) {
    throw new WruncError('seccomp.notify-unsupported', 'listenerPath (seccomp user notification) is not supported by wrunc', `${SPEC_PATH}/listenerPath`);
  }
  const defAction = action(seccomp.defaultAction, seccomp.defaultErrnoRet, `${SPEC_PATH}/defaultAction`);
  const ctx = sc.init(defAction);
  if (!ctx) throw new WruncError('seccomp.init', `seccomp_init(${seccomp.defaultAction}) failed`, `${SPEC_PATH}/defaultAction`);
  try {
    const check = (rc: number, what: string, path: string) => {
      if (rc < 0) throw new WruncError('seccomp.libseccomp', `${what}: ${errnoText(-rc)}`, path);
    };
    check(sc.attrSet(ctx, ATTR_CTL_NNP, 0), 'clearing the no_new_privs attribute', SPEC_PATH);

    (seccomp.architectures ?? []).forEach((arch, i) => {
      const path = `${SPEC_PATH}/architectures/${i}`;
      const token = arch.startsWith('SCMP_ARCH_') ? sc.archResolveName(arch.slice('SCMP_ARCH_'.length).toLowerCase()) : 0;
      if (!token) throw new WruncError('seccomp.unknown-arch', `unknown architecture ${JSON.stringify(arch)}`, path);
      const rc = sc.archAdd(ctx, token);
      // the native architecture is in every new filter already
      if (rc !== -koffi.os.errno.EEXIST) check(rc, `adding architecture ${arch}`, path);
    });

    (seccomp.flags ?? []).forEach((flag, i) => {
      const path = `${SPEC_PATH}/flags/${i}`;
      const attr = FLAGS[flag];
      if (attr === undefined) throw new WruncError('seccomp.flag-unsupported', `seccomp flag ${JSON.stringify(flag)} is not supported`, path);
      check(sc.attrSet(ctx, attr, 1), `setting ${flag}`, path);
    });

    (seccomp.syscalls ?? []).forEach((call, i) => {
      const path = `${SPEC_PATH}/syscalls/${i}`;
      const act = action(call.action, call.errnoRet, `${path}/action`);
      // libseccomp rejects a rule that repeats the default action; runc skips it
      if (act === defAction) return;
      const conds = (call.args ?? []).map((a, j): ArgCmp => {
        const apath = `${path}/args/${j}`;
        const op = OPS[a.op];
        if (op === undefined) throw new WruncError('seccomp.unknown-op', `unknown comparison ${JSON.stringify(a.op)}`, `${apath}/op`);
        if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
          throw new WruncError('seccomp.invalid-value', `argument index ${a.index} is not 0..5`, `${apath}/index`);
        }
        return { arg: a.index, op, datum_a: u64(a.value, `${apath}/value`), datum_b: u64(a.valueTwo, `${apath}/valueTwo`) };
      });
      // one rule ANDs its conditions; several conditions on one argument cannot be ANDed by
      // libseccomp, so runc turns them into one rule each (OR), and so do we
      const sameArgTwice = new Set(conds.map((c) => c.arg)).size < conds.length;
      const ruleSets = sameArgTwice ? conds.map((c) => [c]) : [conds];
      for (const name of call.names ?? []) {
        const nr = sc.resolveName(name);
        if (nr === NR_SCMP_ERROR) continue; // unknown to this libseccomp: ignored, as runc does
        for (const set of ruleSets) {
          check(sc.ruleAddArray(ctx, act, nr, set.length, set.length ? set : null), `adding a rule for ${name}`, path);
        }
      }
    });
  } catch (e) {
    sc.release(ctx);
    throw e;
  }

  let released = false;
  const live = () => {
    if (released) throw new WruncError('seccomp.released', 'the seccomp filter was already released');
    return ctx;
  };
  return {
    bpf() {
      const dir = mkdtempSync(join(tmpdir(), 'wrunc-bpf-'));
      const file = join(dir, 'filter');
      const fd = openSync(file, 'w');
      try {
        const rc = sc.exportBpf(live(), fd);
        if (rc < 0) throw new WruncError('seccomp.libseccomp', `exporting the filter: ${errnoText(-rc)}`, SPEC_PATH);
      } finally {
        closeSync(fd);
      }
      try {
        return readFileSync(file);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    load() {
      const rc = sc.load(live());
      if (rc === -koffi.os.errno.EACCES) {
        throw new WruncError('seccomp.load', 'seccomp_load: EACCES: loading a filter needs process.noNewPrivileges or CAP_SYS_ADMIN (load it before dropping capabilities)', SPEC_PATH);
      }
      if (rc < 0) throw new WruncError('seccomp.load', `seccomp_load: ${errnoText(-rc)}`, SPEC_PATH);
    },
    release() {
      if (!released) sc.release(ctx);
      released = true;
    },
  };
}

/** Builds and loads the profile (see the top of this file for when to call it). */
export function installSeccomp(seccomp: OciSeccomp): void {
  const filter = compileSeccomp(seccomp);
  try {
    filter.load();
  } finally {
    filter.release();
  }
}
