// Bundles the host with esbuild: build/wrunc.cjs (the CLI) and build/init.cjs (the container-side
// stage), one file each, because every wrunc command pays Node's start-up (see README) and one
// file is one module load instead of hundreds. Then records build/wrunc.cjs.cache, V8's compiled
// code for the CLI after a typical command, which bin/wrunc hands back to V8 so that it need not
// parse and compile the bundle again on every command.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Packages whose import costs more than their use: string-width builds an Intl.Segmenter and
 * Unicode-property regexps when loaded (~25 ms for its two copies), and only yargs' help text
 * measures strings; cliui only lays out help. Each import of them becomes a stub whose default
 * export loads the real module on its first call.
 */
const LAZY = /^(cliui|string-width)$/;
const lazyDefault = {
  name: 'lazy-default',
  setup(b) {
    b.onResolve({ filter: LAZY }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { real: true } });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: 'lazy-default' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-default' }, (args) => ({
      contents: `let real;\nexport default function lazy(...a) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(...a);\n}\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * yargs' platform shim, when it loads, reads process.stdout.columns, which makes the stdout stream
 * (and for a pipe the net module) in every command, and takes two functions from assert, which
 * loads assert (see LAZY_BUILTINS). yargs uses the columns only to size help without a .wrap()
 * (wrunc sizes help itself) and assert only in its own checks, which pass. Both move to first
 * use: the same values and errors, on demand.
 */
const SHIM_EDITS = [
  ["stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null",
    "get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null }"],
  ['assert: {\n    notStrictEqual,\n    strictEqual\n  },',
    // assert's strict checks are Object.is: one that passes needs no assert, one that fails
    // throws assert's own error
    'assert: {\n    notStrictEqual: (a, b, m) => { if (Object.is(a, b)) notStrictEqual(a, b, m) },\n    strictEqual: (a, b, m) => { if (!Object.is(a, b)) strictEqual(a, b, m) }\n  },'],
];
const lazyYargsShim = {
  name: 'lazy-yargs-shim',
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      for (const [from, to] of SHIM_EDITS) {
        if (!text.includes(from)) throw new Error(`${args.path} no longer has ${JSON.stringify(from)}; update SHIM_EDITS in build-host.mjs`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * Node modules that load more of Node than most commands use (child_process and tty each bring
 * net and the streams, ~4 ms; assert, which yargs imports, makes the stderr stream for its
 * colours, ~5 ms): in the CLI, an import of one is an object of getters that requires the
 * module on first use. Its names are read here, so imports bind as before.
 */
const LAZY_BUILTINS = ['assert', 'child_process', 'net', 'tty'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.keys(await import(`node:${args.path}`)).filter((n) => n !== 'default');
      const getters = names.map((n) => `  ${JSON.stringify(n)}: { enumerable: true, get: () => real()[${JSON.stringify(n)}] },`).join('\n');
      return { contents: `let m;\nconst real = () => (m ??= require('node:${args.path}'));\nmodule.exports = Object.defineProperties({}, {\n${getters}\n});\n`, loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // koffi is a native addon: it stays a runtime require
  external: ['koffi'],
  plugins: [lazyDefault, lazyYargsShim],
  logLevel: 'warning',
};

// The CLI and the container stage as CommonJS. The CLI: bin/wrunc compiles it with vm.Script,
// the one way Node 20 takes a code cache (ES modules have none before Node 22's
// module.enableCompileCache). The stage: no ES module loader in every container's start-up, and
// no code cache (it is small; V8 compiles what it runs faster than it reads a cache of all of it,
// measured). import.meta.url is the bundle's own URL, as it was for an ES module.
await build({
  ...common,
  entryPoints: { wrunc: 'host/cli.ts', init: 'host/init/main.ts' },
  outdir: 'build',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [...common.plugins, lazyBuiltins],
  define: { 'import.meta.url': '__wrunc_url' },
  banner: { js: "var __wrunc_url = require('node:url').pathToFileURL(__filename).href;" },
});
// The CLI as an ES module too, for whoever runs `node build/wrunc.mjs`: the same program
writeFileSync('build/wrunc.mjs', "// wrunc's CLI as an ES module entry: the same program as bin/wrunc, through its loader\nimport '../bin/wrunc';\n");

// The code cache: V8 serialises what it compiled while bin/wrunc ran a representative command
// (the yargs parse, facts, the core's decision, reading state): `state` of a container that does
// not exist, under a scratch root. A cache that does not fit (another Node, other V8 flags, a
// rebuilt bundle) is refused by the loader or by V8, and the bundle is compiled as before.
const root = mkdtempSync(join(tmpdir(), 'wrunc-cache-'));
try {
  rmSync('build/wrunc.cjs.cache', { force: true });
  spawnSync(process.execPath, ['bin/wrunc', '--root', root, 'state', 'code-cache'], {
    stdio: 'ignore',
    env: { ...process.env, WRUNC_CODE_CACHE_OUT: 'build/wrunc.cjs.cache' },
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
