#!/usr/bin/env node
// Prints README's "environment → decisions" table in Markdown, from the environment vectors
// (test/vectors/env-*.json). The vectors are checked against the core by test/conformance.test.ts,
// so the table shows what the core decides, and nobody types it by hand.
// Only names and expectations are needed here, so the JSON is read directly (no bytes, no fixtures).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(new URL('..', import.meta.url).pathname, 'test', 'vectors');
const COLUMNS = [
  'inUserNamespace', 'rootlessEuid', 'honorXdgRuntimeDir', 'stateRoot', 'rootlessCgroups', 'cgroupManager',
  'cgroupFeatures', 'deviceCgroup', 'psSource', 'checkpointRestore', 'setgroups', 'idmapWriter', 'additionalGids',
];
const SPEC = { 'fixture:default': '`runc spec`', 'fixture:rootless': '`runc spec --rootless`' };

const cell = (s) => String(s).replace(/\|/g, '\\|');
const rows = [];
for (const file of readdirSync(dir).filter((f) => /^env-.*\.json$/.test(f)).sort()) {
  for (const v of JSON.parse(readFileSync(join(dir, file), 'utf8'))) {
    const decisions = v.expect.decisions ?? {};
    const missing = COLUMNS.filter((c) => !(c in decisions));
    if (missing.length) throw new Error(`${file}: "${v.name}" does not list ${missing.join(', ')}`);
    // The vector name reads "environment: spec (...)"; the spec gets its own column.
    const env = v.name.split(':')[0];
    const errors = v.expect.errors.map((e) => '`' + e.code + '`').join(', ') || 'ok';
    rows.push([env, SPEC[v.config] ?? '(custom)', ...COLUMNS.map((c) => '`' + JSON.stringify(decisions[c]).replace(/^"|"$/g, '') + '`'), errors]);
  }
}
const header = ['environment', 'spec', ...COLUMNS, 'result'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');

// --write FILE replaces the table between the markers, so README cannot drift from the vectors
// (test/readme.test.ts checks that it has not)
const START = '<!-- decision-table:start -->';
const END = '<!-- decision-table:end -->';
const at = process.argv.indexOf('--write');
if (at < 0) {
  console.log(table);
} else {
  const file = process.argv[at + 1];
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} has no ${START} … ${END} markers`);
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`);
}
