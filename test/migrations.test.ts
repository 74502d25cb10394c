import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  createMigration,
  type MigrationPaths,
  migrationStatus,
  readMigrations,
} from '../src/db/migrations.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

type Row = Record<string, unknown>;
type Target = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Runs one or more statements; returns the last one's rows. */
  query: (sql: string) => Promise<Row[]>;
  close: () => Promise<void>;
};

async function pgliteTarget(): Promise<Target> {
  const db = new PGlite();
  const query = async (sql: string) => ((await db.exec(sql)).at(-1)?.rows ?? []) as Row[];
  return { factory: new PrismaPGlite(db), query, close: () => db.close() };
}

/** A database with a random name on the TEST_DATABASE_URL server, dropped on close. */
async function postgresTarget(serverUrl: string): Promise<Target> {
  const name = `migrations_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    factory: new PrismaPg({ connectionString: url.toString() }),
    // pg answers a multi-statement string with an array of results.
    query: async (sql) => {
      const results: pg.QueryResult<Row> | pg.QueryResult<Row>[] = await client.query(sql);
      return (Array.isArray(results) ? results.at(-1)?.rows : results.rows) ?? [];
    },
    async close() {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const localMigrations = async () => (await readMigrations(migrationsDir)).migrationDirectories.map((d) => d.path);

const targets: [string, () => Promise<Target>][] = [['PGlite', pgliteTarget]];
const serverUrl = process.env.TEST_DATABASE_URL;
if (serverUrl) targets.push(['PostgreSQL', () => postgresTarget(serverUrl)]);

describe.each(targets)('migrations on %s', (_label, open) => {
  let target: Target;
  let firstRun: { applied: string[] };
  beforeAll(async () => {
    target = await open();
    firstRun = await applyMigrations(target.factory);
  });
  afterAll(() => target?.close());

  it('applies every migration and records it the way the Prisma CLI does', async () => {
    expect(firstRun.applied).toEqual(await localMigrations());
    const rows = await target.query('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows.map((row) => row.migration_name)).toEqual(firstRun.applied);
    for (const row of rows) {
      const sql = await readFile(join(migrationsDir, String(row.migration_name), 'migration.sql'), 'utf8');
      // `prisma migrate deploy` compares this checksum with the file; a mismatch means "edited".
      expect(row).toMatchObject({ checksum: sha256(sql), logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('applies nothing the second time', async () => {
    expect(await applyMigrations(target.factory)).toEqual({ applied: [] });
    const [count] = await target.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(count?.n).toBe(firstRun.applied.length);
  });

  it('reports the database up to date', async () => {
    const nothingWrong = { pending: [], failed: [], edited: [], missingLocally: [], upToDate: true };
    expect(await migrationStatus(target.factory)).toEqual({ applied: await localMigrations(), ...nothingWrong });
  });

  describe('rules the hand-written part of the migration adds', () => {
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    beforeAll(async () => {
      await target.query(`
        INSERT INTO iso_agents (id, auth_subject, email, full_name, updated_at) VALUES ('${id(1)}', 'sub', 'a@example.com', 'Ann', now());
        INSERT INTO conversations (id, iso_agent_id, updated_at) VALUES ('${id(2)}', '${id(1)}', now());
        INSERT INTO requests (id, iso_agent_id, trip_type, passengers, updated_at) VALUES ('${id(3)}', '${id(1)}', 'ONE_WAY', 4, now());
        INSERT INTO operators (id, avinode_company_id, name) VALUES ('${id(4)}', 'op', 'Op');
        INSERT INTO quotes (id, request_id, operator_id, aircraft_type, total_price, updated_at)
          VALUES ('${id(5)}', '${id(3)}', '${id(4)}', 'G650', 1000, now());`);
    });

    const leg = (from: string, to: string) =>
      `INSERT INTO request_legs (id, request_id, sequence, departure_airport, arrival_airport, departure_at)
       VALUES (gen_random_uuid(), '${id(3)}', ${Math.floor(Math.random() * 1e9)}, '${from}', '${to}', now())`;
    const request = (passengers: number, budget: number, currency: string) =>
      `INSERT INTO requests (id, iso_agent_id, trip_type, passengers, budget, currency, updated_at)
       VALUES (gen_random_uuid(), '${id(1)}', 'ONE_WAY', ${passengers}, ${budget}, '${currency}', now())`;
    const quote = (price: number, seats: number | null, currency: string) =>
      `INSERT INTO quotes (id, request_id, operator_id, aircraft_type, total_price, seats, currency, updated_at)
       VALUES (gen_random_uuid(), '${id(3)}', '${id(4)}', 'G650', ${price}, ${seats}, '${currency}', now())`;
    const proposal = (subtotal: number, margin: number, total: number, currency: string) =>
      `INSERT INTO proposals (id, number, request_id, quote_id, iso_agent_id, title, subtotal, margin_percent, total, currency, updated_at)
       VALUES (gen_random_uuid(), gen_random_uuid()::text, '${id(3)}', '${id(5)}', '${id(1)}', 'T', ${subtotal}, ${margin}, ${total}, '${currency}', now())`;
    const session = (status: string, counter = 'message_count', value = 0) =>
      `INSERT INTO chat_sessions (id, conversation_id, iso_agent_id, status, ${counter}, updated_at)
       VALUES (gen_random_uuid(), '${id(2)}', '${id(1)}', '${status}', ${value}, now())`;

    it('accepts rows that keep the rules', async () => {
      const good = [leg('KJFK', 'EGLL'), request(1, 0, 'USD'), request(100, 5000, 'EUR'), quote(0, null, 'USD')];
      good.push(quote(10, 1, 'GBP'), proposal(0, 0, 0, 'USD'), proposal(10, 100, 20, 'CHF'));
      await expect(target.query(good.join(';\n'))).resolves.toBeDefined();
    });

    it.each([
      ['request_legs_departure_airport_check', leg('KJF', 'EGLL')],
      ['request_legs_arrival_airport_check', leg('KJFK', 'egll')],
      ['request_legs_airports_differ_check', leg('KJFK', 'KJFK')],
      ['requests_passengers_check', request(0, 1, 'USD')],
      ['requests_passengers_check', request(101, 1, 'USD')],
      ['requests_budget_check', request(2, -0.01, 'USD')],
      ['requests_currency_check', request(2, 1, 'usd')],
      ['quotes_total_price_check', quote(-1, null, 'USD')],
      ['quotes_seats_check', quote(1, 0, 'USD')],
      ['quotes_currency_check', quote(1, null, 'US')],
      ['proposals_subtotal_check', proposal(-1, 10, 1, 'USD')],
      ['proposals_total_check', proposal(1, 10, -1, 'USD')],
      ['proposals_margin_percent_check', proposal(1, 100.01, 1, 'USD')],
      ['proposals_margin_percent_check', proposal(1, -1, 1, 'USD')],
      ['proposals_currency_check', proposal(1, 10, 1, 'E1R')],
      ['chat_sessions_message_count_check', session('COMPLETED', 'message_count', -1)],
      ['chat_sessions_quotes_received_count_check', session('COMPLETED', 'quotes_received_count', -1)],
      ['chat_sessions_quotes_expected_count_check', session('COMPLETED', 'quotes_expected_count', -1)],
      ['chat_sessions_operators_contacted_count_check', session('COMPLETED', 'operators_contacted_count', -1)],
    ])('%s rejects a bad row', async (constraint, sql) => {
      await expect(target.query(sql)).rejects.toMatchObject({ code: '23514', constraint });
    });

    it('allows one open session per conversation, and any number of closed ones', async () => {
      await target.query(session('ACTIVE'));
      await expect(target.query(session('PAUSED'))).rejects.toMatchObject({
        code: '23505',
        constraint: 'chat_sessions_one_open_per_conversation',
      });
      await target.query(session('COMPLETED'));
      await target.query(session('ARCHIVED'));
    });

    it('numbers proposals from a sequence', async () => {
      const [first] = await target.query(`SELECT nextval('proposal_number_seq')::int AS n`);
      const [second] = await target.query(`SELECT nextval('proposal_number_seq')::int AS n`);
      expect(Number(second?.n)).toBe(Number(first?.n) + 1);
    });
  });
});

/** Runs `work` on a copy of prisma/ in a temporary directory, removed afterwards. */
async function withScratchCopy(work: (paths: MigrationPaths) => Promise<void>): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'migrations-'));
  const paths = { migrationsDir: join(scratch, 'migrations'), schemaPath: join(scratch, 'schema.prisma') };
  try {
    await cp(migrationsDir, paths.migrationsDir, { recursive: true });
    await cp(schemaPath, paths.schemaPath);
    await work(paths);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

describe('migration history problems', () => {
  it('reports pending, edited and failed migrations, and a failure stops apply', () =>
    withScratchCopy(async (paths) => {
      const db = new PGlite();
      const factory = new PrismaPGlite(db);
      await applyMigrations(factory, paths);
      const [init] = await localMigrations();
      const broken = '20990101000000_broken';
      await writeFile(join(paths.migrationsDir, String(init), 'migration.sql'), '-- edited\n', { flag: 'a' });
      await mkdir(join(paths.migrationsDir, broken));
      await writeFile(join(paths.migrationsDir, broken, 'migration.sql'), 'SELECT * FROM nowhere;\n');
      expect(await migrationStatus(factory, paths)).toMatchObject({
        pending: [broken],
        edited: [init],
        upToDate: false,
      });

      await expect(applyMigrations(factory, paths)).rejects.toThrow(broken);
      expect(await migrationStatus(factory, paths)).toMatchObject({ pending: [], failed: [broken], upToDate: false });
      await db.close();
    }));
});

describe('createMigration', () => {
  it('finds nothing to create: schema.prisma and the migrations agree', async () => {
    const before = await readdir(migrationsDir);
    expect(await createMigration('should_be_empty')).toBeNull();
    expect(await readdir(migrationsDir)).toEqual(before);
  });

  it('writes a migration for a schema change, and keeps a real partial-index change', () =>
    withScratchCopy(async (paths) => {
      // A new model, and the partial index narrowed to ACTIVE sessions.
      const openIndex = `  @@unique([conversationId], map: "chat_sessions_one_open_per_conversation", where: raw("status = 'ACTIVE'"))`;
      const schema = (await readFile(schemaPath, 'utf8'))
        .split('\n')
        .map((line) => (line.includes('"chat_sessions_one_open_per_conversation"') ? openIndex : line))
        .join('\n');
      await writeFile(paths.schemaPath, `${schema}\nmodel Probe {\n  id Int @id\n\n  @@map("probes")\n}\n`);

      const file = await createMigration('Add probes!', paths, new Date('2099-01-02T03:04:05Z'));
      expect(file).toBe(join(paths.migrationsDir, '20990102030405_add_probes', 'migration.sql'));
      const sql = await readFile(String(file), 'utf8');
      expect(sql).toContain('CREATE TABLE "probes"');
      expect(sql).toContain(`WHERE (status = 'ACTIVE')`);
      // The hand-written sequence and checks are invisible to the diff, so nothing drops them.
      expect(sql).not.toMatch(/DROP SEQUENCE|DROP CONSTRAINT/);
      expect(await createMigration('again', paths, new Date('2099-01-02T03:04:06Z'))).toBeNull();
    }));
});
