// Makes an OCI bundle with a busybox root filesystem (Debian's busybox-static) and the spec that
// `wrunc spec` prints, adjusted for non-interactive use. Used by the demo, the tests and the
// benchmarks so that all three run the same container.
//   node scripts/make-bundle.mjs DIR [--rootless] [-- ARGS...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, readFileSync, symlinkSync, writeFileSync, lchownSync, readdirSync, lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const WRUNC = resolve(here, '..', 'bin', 'wrunc');
const BUSYBOX = '/bin/busybox';

/**
 * @param {string} dir bundle directory (created)
 * @param {{ args?: string[], rootless?: boolean, terminal?: boolean, owner?: number, edit?: (spec: any) => void }} [o]
 *   owner: chown the whole bundle to this uid/gid (for rootless users and user namespaces)
 * @returns {any} the spec written
 */
export function makeBundle(dir, o = {}) {
  if (!existsSync(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (apt-get install busybox-static)`);
  }
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  execFileSync('chmod', ['0755', join(rootfs, 'bin', 'busybox')]);
  for (const applet of execFileSync(BUSYBOX, ['--list']).toString().split('\n')) {
    const link = join(rootfs, 'bin', applet);
    if (applet && applet !== 'busybox' && !existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  execFileSync(WRUNC, ['spec', '--bundle', dir, ...(o.rootless ? ['--rootless'] : [])]);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  spec.process.terminal = o.terminal ?? false;
  spec.process.args = o.args ?? ['sh', '-c', 'echo hello from wrunc; cat /proc/self/status | grep -E "^(Name|Pid|Uid)"'];
  o.edit?.(spec);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, '\t'));
  if (o.owner !== undefined) chownTree(dir, o.owner);
  return spec;
}

function chownTree(path, id) {
  lchownSync(path, id, id);
  if (lstatSync(path).isDirectory()) {
    for (const e of readdirSync(path)) chownTree(join(path, e), id);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const dd = argv.indexOf('--');
  const args = dd >= 0 ? argv.slice(dd + 1) : undefined;
  const opts = dd >= 0 ? argv.slice(0, dd) : argv;
  const dir = opts.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node scripts/make-bundle.mjs DIR [--rootless] [-- ARGS...]');
    process.exit(2);
  }
  makeBundle(resolve(dir), { rootless: opts.includes('--rootless'), args });
  console.log(resolve(dir));
}
