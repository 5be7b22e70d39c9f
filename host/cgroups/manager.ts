// The fs cgroup manager for v1, v2 and hybrid hierarchies. The rootless variant is the same code
// with every error turned into a warning, because an unprivileged user may lack any of these
// directories and runc carries on without cgroups in that case.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WruncError } from '../errors.js';
import type { PlanCgroup } from '../types.js';
import type { CgroupPaths } from './paths.js';
import { inheritCpuset } from './v1.js';
import { enableControllers } from './v2.js';
import { sleepMs } from './sleep.js';

export type Warn = (message: string) => void;

const UNIFIED = '';

export class CgroupManager {
  /** directories the rootless variant could not create: not joined, their writes reported */
  private readonly missing = new Set<string>();

  constructor(
    readonly paths: CgroupPaths,
    /** rootless-fs: errors become warnings */
    private readonly tolerant: boolean,
    private readonly warn: Warn,
    /**
     * where the rootless variant reports a cgroup it could not create or join: an unprivileged
     * user usually has none, which is expected (runc says nothing), so by default only in --debug
     */
    private readonly debug: Warn = () => {},
  ) {}

  /** each directory once: co-mounted controllers (cpu,cpuacct) share one */
  private uniqueDirs(): string[] {
    return [...new Set(Object.values(this.paths.dirs))];
  }

  private fail(code: string, message: string, expected = false): void {
    if (!this.tolerant) throw new WruncError(code, message);
    (expected ? this.debug : this.warn)(`${code}: ${message}`);
  }

  create(): void {
    for (const [controller, dir] of Object.entries(this.paths.dirs)) {
      try {
        mkdirs(dir);
        if (controller === 'cpuset') inheritCpuset(dir);
        if (controller === UNIFIED && this.paths.mode === 'v2') enableControllers(dir);
      } catch (e) {
        this.missing.add(dir);
        this.fail('cgroup.create', `cannot create cgroup ${dir}: ${reason(e)}; run as root, or use --rootless true to run without cgroups`, true);
      }
    }
  }

  /** the plan's resource writes; in v2 the controller is "" and the file names the controller */
  apply(writes: PlanCgroup['writes']): void {
    for (const w of writes) {
      const dir = this.paths.dirs[w.controller];
      if (dir === undefined) {
        this.fail('cgroup.controller', `the ${w.controller || 'unified'} cgroup controller is not mounted, so ${w.file} cannot be set; remove that resource from linux.resources`);
        continue;
      }
      if (this.missing.has(dir)) {
        this.fail('cgroup.write', `${w.file} is not set to ${w.value}: there is no cgroup ${dir} for this user; remove it from linux.resources or get a delegated cgroup`);
        continue;
      }
      try {
        writeFileSync(`${dir}/${w.file}`, w.value);
      } catch (e) {
        this.fail('cgroup.write', `cannot write ${w.value} to ${dir}/${w.file}: ${reason(e)}; check that the kernel supports it and the value is in range`);
      }
    }
  }

  addPid(pid: number): void {
    for (const dir of this.uniqueDirs()) {
      if (this.missing.has(dir)) continue;
      try {
        writeFileSync(`${dir}/cgroup.procs`, String(pid));
      } catch (e) {
        this.fail('cgroup.join', `cannot move process ${pid} into ${dir}: ${reason(e)}`, true);
      }
    }
  }

  /** the directory whose cgroup.procs lists every process of the container */
  private procsDir(): string | undefined {
    const d = this.paths.dirs;
    return d.freezer ?? d[UNIFIED] ?? d.pids ?? d.memory ?? Object.values(d)[0];
  }

  pids(): number[] {
    const dir = this.procsDir();
    if (!dir) return [];
    try {
      return readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** signals every process in the cgroup; frozen first so that nothing forks in between */
  signalAll(signal: number | NodeJS.Signals): void {
    const frozen = this.freeze();
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // it exited meanwhile
      }
    }
    if (frozen) this.thaw();
  }

  private freezerFile(): { file: string; frozen: string; thawed: string } | null {
    const d = this.paths.dirs;
    if (d.freezer) return { file: `${d.freezer}/freezer.state`, frozen: 'FROZEN', thawed: 'THAWED' };
    if (this.paths.mode === 'v2' && d[UNIFIED]) return { file: `${d[UNIFIED]}/cgroup.freeze`, frozen: '1', thawed: '0' };
    return null;
  }

  /** true when the cgroup was frozen; false when there is no freezer to use */
  freeze(): boolean {
    const f = this.freezerFile();
    if (!f || !existsSync(f.file)) return false;
    try {
      writeFileSync(f.file, f.frozen);
      // v1 passes through FREEZING; v2 reports the settled state in cgroup.events
      for (let i = 0; i < 100 && !this.isFrozen(); i++) sleepMs(2);
      return true;
    } catch {
      return false;
    }
  }

  thaw(): void {
    const f = this.freezerFile();
    if (!f) return;
    try {
      writeFileSync(f.file, f.thawed);
    } catch (e) {
      this.fail('cgroup.thaw', `cannot thaw ${f.file}: ${reason(e)}`);
    }
  }

  isFrozen(): boolean {
    const f = this.freezerFile();
    if (!f) return false;
    try {
      if (this.paths.mode === 'v2') return /^frozen 1$/m.test(readFileSync(`${dirname(f.file)}/cgroup.events`, 'utf8'));
      return readFileSync(f.file, 'utf8').trim() === f.frozen;
    } catch {
      return false;
    }
  }

  /** removes the container's directories; a cgroup stays busy for a moment after its last exit */
  destroy(): void {
    for (const dir of this.uniqueDirs()) {
      for (let attempt = 0; ; attempt++) {
        try {
          rmdirSync(dir);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code === 'EBUSY' && attempt < 50) {
            sleepMs(10);
            continue;
          }
          this.fail('cgroup.remove', `cannot remove cgroup ${dir}: ${reason(e)}; a process may still be inside it`);
          break;
        }
      }
    }
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync loops forever when a level fails with
 * ENOENT (as under /proc or an unmounted controller), and cgroup trees are where that happens.
 */
function mkdirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) mkdirs(parent);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message;
}
