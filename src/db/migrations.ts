import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationDirectory, MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { withSchemaEngine } from './schema-engine.js';

/**
 * The offline stand-in for `prisma migrate deploy | status | dev --create-only`. Applying
 * and diagnosing run the engine's own commands, so `_prisma_migrations` gets exactly the
 * rows the CLI writes; creating replays the history into a throwaway PGlite and diffs.
 */

export type MigrationPaths = { migrationsDir: string; schemaPath: string };

const defaultPaths: MigrationPaths = {
  migrationsDir: fileURLToPath(new URL('../../prisma/migrations', import.meta.url)),
  schemaPath: fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)),
};

/** Nothing here is managed outside Prisma (prisma.config.ts declares no external tables). */
const noFilters: SchemaFilter = { externalTables: [], externalEnums: [] };

const LOCKFILE = 'migration_lock.toml';

/** Applies the pending migrations, in order; returns the names it applied. */
export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  paths: MigrationPaths = defaultPaths,
): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(paths.migrationsDir);
  const output = await withSchemaEngine(adapterFactory, (engine) =>
    engine.applyMigrations({ migrationsList, filters: noFilters }),
  );
  return { applied: output.appliedMigrationNames };
}

export type MigrationStatus = {
  /** Local migrations recorded as finished in the database. */
  applied: string[];
  /** Local migrations the database has not run yet. */
  pending: string[];
  /** Migrations that started and did not finish: fix by hand, then mark them rolled back. */
  failed: string[];
  /** Applied migrations whose migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Migrations the database ran that this checkout does not have. */
  missingLocally: string[];
  /** True when there is nothing to apply and nothing wrong. */
  upToDate: boolean;
};

/** What `diagnoseMigrationHistory` (the engine behind `prisma migrate status`) says. */
export async function migrationStatus(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  paths: MigrationPaths = defaultPaths,
): Promise<MigrationStatus> {
  const migrationsList = await readMigrations(paths.migrationsDir);
  // No shadow database: it would only add drift detection, which reads the live schema
  // and so trips over adapter-pg's `char`/`name` introspection bug.
  const diagnosis = await withSchemaEngine(adapterFactory, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilters }),
  );
  const history = diagnosis.history;
  const pending = history && 'unappliedMigrationNames' in history ? history.unappliedMigrationNames : [];
  const missingLocally = history && 'unpersistedMigrationNames' in history ? history.unpersistedMigrationNames : [];
  const failed = diagnosis.failedMigrationNames;
  const notApplied = new Set([...pending, ...failed]);
  return {
    applied: migrationsList.migrationDirectories.map((d) => d.path).filter((name) => !notApplied.has(name)),
    pending,
    failed,
    edited: diagnosis.editedMigrationNames,
    missingLocally,
    upToDate: history === null && failed.length === 0 && diagnosis.editedMigrationNames.length === 0,
  };
}

/**
 * Writes `<migrationsDir>/<yyyyMMddHHmmss>_<name>/migration.sql` with what it takes to bring
 * the migrated schema to `schema.prisma`, and returns its path; null (and writes nothing)
 * when they already agree. The engine's own createMigration would need a shadow database.
 */
export async function createMigration(
  name: string,
  paths: MigrationPaths = defaultPaths,
  now: Date = new Date(),
): Promise<string | null> {
  const slug = slugify(name);
  const migrationsList = await readMigrations(paths.migrationsDir);
  const schema = await readFile(paths.schemaPath, 'utf8');
  const files = [{ path: relative(process.cwd(), paths.schemaPath), content: schema }];

  // The replay target is memory-only: diffing a live PostgreSQL through adapter-pg fails.
  const scratch = new PGlite();
  let script: string;
  try {
    script = await withSchemaEngine(new PrismaPGlite(scratch), async (engine) => {
      await engine.applyMigrations({ migrationsList, filters: noFilters });
      const diff = await engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: process.cwd() },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        // exitCode 2 means "there is a difference"; the script of an empty diff is a comment.
        exitCode: true,
        filters: noFilters,
      });
      return diff.exitCode === 2 ? (diff.stdout ?? '') : '';
    });
    script = await dropEquivalentIndexRebuilds(scratch, script);
  } finally {
    await scratch.close();
  }
  if (script.trim() === '') return null;

  const directoryName = `${timestamp(now)}_${slug}`;
  const latest = migrationsList.migrationDirectories.at(-1)?.path;
  if (latest && latest.localeCompare(directoryName) >= 0) {
    // Migrations run in name order: one named before the latest would run out of order.
    throw new Error(`Refusing to create ${directoryName}: it would sort before ${latest} (is the clock right?).`);
  }
  await mkdir(join(paths.migrationsDir, directoryName), { recursive: true });
  const file = join(paths.migrationsDir, directoryName, 'migration.sql');
  await writeFile(file, script, { encoding: 'utf8', flag: 'wx' });
  if (migrationsList.lockfile.content === null) {
    await writeFile(join(paths.migrationsDir, LOCKFILE), lockfileContent, 'utf8');
  }
  return file;
}

/**
 * Reads the migrations folder the way the Prisma CLI does (every sub-directory's
 * migration.sql, read as UTF-8, sorted by name), because the engine checksums exactly
 * these strings into `_prisma_migrations.checksum`.
 */
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const lockfile = await readFile(join(migrationsDir, LOCKFILE), 'utf8').catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const content = await readFile(join(migrationsDir, entry.name, 'migration.sql'), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (error: Error) => ({ tag: 'error' as const, value: error.message }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: migrationsDir,
    lockfile: { path: LOCKFILE, content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Word for word what the CLI writes, so a later `prisma migrate dev` leaves it unchanged. */
const lockfileContent =
  '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n';

function slugify(name: string): string {
  const slug = (name.toLowerCase().match(/[a-z0-9]+/g) ?? []).join('_');
  if (slug === '') throw new Error(`"${name}" is not a usable migration name: use letters, digits and _.`);
  return slug;
}

/** yyyyMMddHHmmss in UTC, as Prisma names migration directories. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Prisma compares partial-index predicates as text, but PostgreSQL stores them rewritten
 * (`status IN ('A')` reads back as `status = ANY (ARRAY['A'::"T"])`), so every diff would
 * drop and re-create such an index. A rebuild is no change when its CREATE gives the same
 * definition as the index in place; PostgreSQL's deparser decides, in a rolled-back transaction.
 */
async function dropEquivalentIndexRebuilds(db: PGlite, script: string): Promise<string> {
  const steps = script.split(/\n\n(?=-- )/).map((step) => step.trim());
  const dropped = new Set<number>();
  for (const [i, step] of steps.entries()) {
    const name = /^-- DropIndex\nDROP INDEX "([^"]+)";$/.exec(step)?.[1];
    if (name === undefined) continue;
    const j = steps.findIndex((s) => s.startsWith('-- CreateIndex\nCREATE ') && s.includes(`INDEX "${name}" ON `));
    if (j === -1) continue;
    const create = steps[j]?.replace(/^-- CreateIndex\n/, '') ?? '';
    if (await sameIndexDefinition(db, name, create)) dropped.add(i).add(j);
  }
  const kept = steps.filter((_, i) => !dropped.has(i));
  return kept.length === 0 ? '' : `${kept.join('\n\n')}\n`;
}

async function sameIndexDefinition(db: PGlite, name: string, create: string): Promise<boolean> {
  const definition = `SELECT pg_get_indexdef(to_regclass($1)) AS def`;
  try {
    return await db.transaction(async (tx) => {
      const before = (await tx.query<{ def: string | null }>(definition, [`"${name}"`])).rows[0]?.def;
      await tx.exec(`DROP INDEX "${name}"; ${create}`);
      const after = (await tx.query<{ def: string | null }>(definition, [`"${name}"`])).rows[0]?.def;
      await tx.rollback();
      return before != null && before === after;
    });
  } catch {
    return false; // Could not compare: keep the rebuild, the reviewer sees it.
  }
}
