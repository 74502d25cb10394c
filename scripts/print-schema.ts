/**
 * Prints the sorted SDL to schema/schema.graphql, the API contract reviewed as a diff.
 * With --check it writes nothing and fails when the checked-in file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

const target = new URL('../schema/schema.graphql', import.meta.url);
const printed = `${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is as stale as it gets.
  }
  if (current !== printed) {
    process.stderr.write('schema/schema.graphql is stale: run `npm run schema:print` and review the diff.\n');
    process.exit(1);
  }
  process.stdout.write('schema/schema.graphql is up to date.\n');
} else {
  writeFileSync(target, printed);
  process.stdout.write('Wrote schema/schema.graphql\n');
}
