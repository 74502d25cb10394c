/**
 * The README's error-code table, rendered from src/graphql/error-codes.ts so the two can
 * never disagree: `npm run schema:print` rewrites it, `npm run schema:check` and
 * test/error-codes.test.ts fail when it is stale.
 */
import { ERROR_CODES } from '../src/graphql/error-codes.js';

const START = '<!-- error-codes:start (generated from src/graphql/error-codes.ts by npm run schema:print) -->';
const END = '<!-- error-codes:end -->';

export function errorCodeTable(): string {
  const rows = [
    ['code', 'HTTP', 'meaning'],
    ...Object.entries(ERROR_CODES).map(([code, entry]) => [
      `\`${code}\``,
      'http' in entry ? String(entry.http) : '',
      entry.description.replaceAll('|', '\\|'),
    ]),
  ];
  // Padded as Biome formats Markdown tables, so `biome check` and this agree.
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`;
  const [header, ...body] = rows as [string[], ...string[][]];
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** The README with its table section replaced by the current one. */
export function withErrorCodeTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section.`);
  return `${readme.slice(0, start + START.length)}\n${errorCodeTable()}\n${readme.slice(end)}`;
}
