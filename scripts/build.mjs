// `npm run build`: compiles the server to dist/ (tsconfig.build.json) and copies beside it
// what it reads at run time (the migrations and schema.prisma), so dist/ mirrors the project.
//   node scripts/build.mjs              always build
//   node scripts/build.mjs --if-stale   build only when dist/ is missing or older than its sources
//                                       (`npm start` runs this first, so a fresh clone just works)
// Plain JavaScript on purpose: it must run with nothing but node before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const next = join(root, 'dist.next');
/** Written last, dated when the build began: it only exists when a build finished, and a source
 * saved while tsc ran is newer than it. */
const stamp = join(dist, '.built');
/** Everything the build reads; directories count too, so a deleted file makes dist/ stale. */
const inputs = ['src', 'prisma', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestChange(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((input) => newestChange(join(root, input)) > built);
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

process.stdout.write('Building dist/ (tsc -p tsconfig.build.json)...\n');
const startedAt = new Date();
// A clean tree each time (nothing compiled from a deleted source lingers), built aside and
// swapped in only when complete, so a failed build leaves the last good dist/ in place.
rmSync(next, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', next],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write('Build failed; dist/ is unchanged.\n');
  process.exit(tsc.status ?? 1);
}
cpSync(join(root, 'prisma/migrations'), join(next, 'prisma/migrations'), { recursive: true });
cpSync(join(root, 'prisma/schema.prisma'), join(next, 'prisma/schema.prisma'));
writeFileSync(join(next, '.built'), `${startedAt.toISOString()}\n`);
utimesSync(join(next, '.built'), startedAt, startedAt);
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
process.stdout.write(`Built dist/ in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s.\n`);
