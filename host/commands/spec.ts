// `wrunc spec`: writes runc's default config.json (or its rootless form) into the bundle.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WruncError } from '../errors.js';
import { defaultSpecFor } from '../spec-default.js';
import type { CommandDef } from './context.js';

export const spec: CommandDef = {
  command: 'spec',
  describe: 'create a new config.json for a bundle (runc\'s default spec)',
  ownRootless: true,
  builder: (y) => y
    .option('bundle', { alias: 'b', type: 'string', describe: 'directory to write config.json into (default: the current directory)' })
    .option('rootless', { type: 'boolean', default: false, describe: 'a spec for an unprivileged user: user namespace mapping you to root, no network namespace, no cgroup resources' })
    .example('$0 spec --rootless --bundle ./mybundle', 'write a rootless config.json into ./mybundle'),
  run(_ctx, a: { bundle?: string; rootless: boolean }) {
    const path = resolve(a.bundle ?? '.', 'config.json');
    if (existsSync(path)) throw new WruncError('spec.exists', `${path} exists; remove it first`);
    const content = defaultSpecFor({ rootless: a.rootless, uid: process.geteuid!(), gid: process.getegid!() });
    try {
      writeFileSync(path, JSON.stringify(content, null, '\t'), { mode: 0o666 });
    } catch (e) {
      throw new WruncError('spec.write', `cannot write ${path}: ${(e as Error).message}; check that the bundle directory exists`);
    }
    return 0;
  },
};
