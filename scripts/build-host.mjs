// Bundles the host into two ES modules with esbuild: build/wrunc.mjs (the CLI) and build/init.mjs
// (the container-side stage). One file each means one module load at start-up instead of
// hundreds, which matters because every wrunc command pays Node's start-up (see README).
import { build } from 'esbuild';

await build({
  entryPoints: { wrunc: 'host/cli.ts', init: 'host/init/main.ts' },
  outdir: 'build',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // koffi is a native addon: it stays a runtime require
  external: ['koffi'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
