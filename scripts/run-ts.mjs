// Runs a TypeScript entry (benchmarks, tools) by bundling it with esbuild first: Node 20 cannot
// run TypeScript itself, and a bundle keeps the measured code identical to what ships.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
const outfile = `build/run-${basename(entry, '.ts')}.mjs`;
await build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm',
  external: ['koffi'], logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
