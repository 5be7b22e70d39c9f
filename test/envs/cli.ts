// Manual access to the test environments (as root):
//   node scripts/run-ts.mjs test/envs/cli.ts setup [ENV...]
//   node scripts/run-ts.mjs test/envs/cli.ts run ENV -- CMD ARGS...      (prints stdout/stderr, exits with its status)
//   node scripts/run-ts.mjs test/envs/cli.ts runtime ENV -- ARGS...      (the runtime under test; WRUNC_TEST_RUNTIME=/usr/sbin/runc for runc)
//   node scripts/run-ts.mjs test/envs/cli.ts bundle ENV NAME [--rootless] [-- ARGS...]
//   node scripts/run-ts.mjs test/envs/cli.ts teardown
import { ENV_NAMES, getEnv, teardownAll, type EnvName } from './harness.js';

const [cmd, ...rest] = process.argv.slice(2);
const dd = rest.indexOf('--');
const opts = dd >= 0 ? rest.slice(0, dd) : rest;
const argv = dd >= 0 ? rest.slice(dd + 1) : [];

function env(name: string | undefined) {
  if (!name || !ENV_NAMES.includes(name as EnvName)) {
    console.error(`environment must be one of ${ENV_NAMES.join(', ')}`);
    process.exit(2);
  }
  return getEnv(name as EnvName);
}

switch (cmd) {
  case 'setup':
    for (const n of opts.length ? opts : ENV_NAMES) {
      env(n).setup();
      console.log(`${n}: ready (${env(n).title})`);
    }
    break;
  case 'teardown': {
    const problems = teardownAll();
    for (const p of problems) console.error(p);
    process.exit(problems.length ? 1 : 0);
  }
  case 'run':
  case 'runtime': {
    const e = env(opts[0]);
    const r = cmd === 'run' ? e.run(argv) : e.runtime(argv);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 128);
  }
  case 'bundle': {
    const e = env(opts[0]);
    const { dir } = e.makeBundle(opts[1] ?? 'manual', { rootless: opts.includes('--rootless'), args: argv.length ? argv : undefined });
    console.log(dir);
    break;
  }
  default:
    console.error('usage: cli.ts setup [ENV...] | teardown | run ENV -- CMD... | runtime ENV -- ARGS... | bundle ENV NAME [--rootless] [-- ARGS...]');
    process.exit(2);
}
