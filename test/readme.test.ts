// README's environment → decisions table is generated from the vectors; this fails when the two
// drift apart (fix: npm run readme:table).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('README carries the decision table the vectors give', () => {
  const table = execFileSync(process.execPath, ['scripts/decision-table.mjs']).toString().trim();
  expect(readFileSync('README.md', 'utf8')).toContain(table);
});
