/**
 * Prints the sorted SDL to schema/schema.graphql, the API contract reviewed as a diff,
 * and the README's error-code table from the same list as the schema's ErrorCode enum.
 * With --check it writes nothing and fails when either checked-in file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';
import { withErrorCodeTable } from './readme-error-codes.js';

const outputs = [
  { name: 'schema/schema.graphql', render: () => `${printSchema(schema)}\n` },
  { name: 'README.md', render: (current: string) => withErrorCodeTable(current) },
];

const check = process.argv.includes('--check');
let stale = false;
for (const { name, render } of outputs) {
  const target = new URL(`../${name}`, import.meta.url);
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is as stale as it gets.
  }
  const printed = render(current);
  if (check) {
    if (current !== printed) {
      process.stderr.write(`${name} is stale: run \`npm run schema:print\` and review the diff.\n`);
      stale = true;
    }
  } else if (current !== printed) {
    writeFileSync(target, printed);
    process.stdout.write(`Wrote ${name}\n`);
  }
}
if (stale) process.exit(1);
if (check) process.stdout.write('schema/schema.graphql and the README error codes are up to date.\n');
