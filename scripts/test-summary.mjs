// Prints vitest's JSON reports as plain lines: "Tests: N passed, N failed, N skipped".
// Arguments are reports, optionally labelled (`node22=test-results-node22.json`): with more
// than one, each gets its labelled line and a total line comes last.
import { readFileSync } from 'node:fs';

const summarize = (file) => {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
};
const line = (label, counts) =>
  counts
    ? `${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
    : `${label}: no report (vitest did not finish)`;

const reports = (process.argv.length > 2 ? process.argv.slice(2) : ['test-results.json']).map((argument) => {
  const [label, file] = argument.includes('=') ? argument.split('=', 2) : ['Tests', argument];
  return { label, counts: summarize(file) };
});
if (reports.length === 1) {
  console.log(line('Tests', reports[0].counts));
} else {
  for (const { label, counts } of reports) console.log(line(label, counts));
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const { counts } of reports) for (const key of Object.keys(total)) total[key] += counts?.[key] ?? 0;
  console.log(line('Tests', total));
}
