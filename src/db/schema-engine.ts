import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';

/**
 * Prisma's schema engine (migrate, diff, diagnose) as WebAssembly, so nothing downloads
 * the native engine binary. The package's own entry does `import * as wasm from "./x.wasm"`,
 * which Node cannot load; we compile the .wasm ourselves and hand it the wasm-bindgen glue
 * (`schema_engine_bg.js`) as its import object, which is all that entry does.
 */
export type SchemaEngine = glue.SchemaEngine;

/** One engine log record; the engine sends JSON lines shaped like `tracing` events. */
export type SchemaEngineLog = (line: string) => void;

/** The module name the .wasm imports its host functions from (see WebAssembly.Module.imports). */
const GLUE_MODULE_NAME = './schema_engine_bg.js';

// The glue keeps the wasm instance in a module-level variable, so there can only be
// one instance per process: instantiate once and share it.
let instantiated: Promise<void> | undefined;

function instantiateOnce(): Promise<void> {
  instantiated ??= (async () => {
    // The exports map names the glue but not the .wasm; the .wasm sits beside it.
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      [GLUE_MODULE_NAME]: glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    // wasm-bindgen's start function sets up the panic hook and the externref table.
    (instance.exports.__wbindgen_start as () => void)();
  })();
  // A failed load (missing file) should be retried by the next caller, not cached.
  instantiated.catch(() => {
    instantiated = undefined;
  });
  return instantiated;
}

/** Silences the engine; its logs are debugging noise for a migration runner. */
const ignoreLogs: SchemaEngineLog = () => {};

/**
 * Runs `work` with a schema engine that talks to the database behind `adapterFactory`.
 * `datamodels` are `[path, content]` pairs of Prisma schema files; commands that take a
 * schema explicitly (diff) do not need them.
 */
export async function withSchemaEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
  options: { datamodels?: [string, string][]; log?: SchemaEngineLog } = {},
): Promise<T> {
  await instantiateOnce();
  const connections = trackConnections(adapterFactory);
  const engine = await glue.SchemaEngine.new(
    { datamodels: options.datamodels },
    options.log ?? ignoreLogs,
    bindMigrationAwareSqlAdapterFactory(connections.factory),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    await connections.disposeAll();
  }
}

/**
 * The engine connects through the factory but never disposes what it opened (a `pg`
 * pool per connection with adapter-pg), and the app shares its factory with the Prisma
 * client. Closing exactly the adapters the engine opened leaves the client's own alone.
 */
function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory) {
  const opened: SqlDriverAdapter[] = [];
  const track = async (connecting: Promise<SqlDriverAdapter>) => {
    const adapter = awaitPGliteScripts(await connecting);
    opened.push(adapter);
    return adapter;
  };
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(factory.connect()),
    connectToShadowDb: () => track(factory.connectToShadowDb()),
  };
  return {
    factory: tracked,
    disposeAll: async () => {
      await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
    },
  };
}

type PGliteAdapterInternals = {
  client: { exec(script: string): Promise<unknown> };
  /** Turns a PGlite DatabaseError into the DriverAdapterError the engine understands; always throws. */
  onError(error: unknown): never;
};

function hasPGliteInternals(adapter: object): adapter is PGliteAdapterInternals {
  const candidate = adapter as Partial<PGliteAdapterInternals>;
  return typeof candidate.client?.exec === 'function' && typeof candidate.onError === 'function';
}

/**
 * pglite-prisma-adapter 0.7.2 starts `client.exec(script)` in executeScript without awaiting
 * it, so a failing migration is recorded as applied and its error escapes as an unhandled
 * rejection. Run the script ourselves and let the failure reach the engine.
 */
function awaitPGliteScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  if (adapter.adapterName !== 'pglite-prisma-adapter' || !hasPGliteInternals(adapter)) return adapter;
  const { client } = adapter;
  adapter.executeScript = async (script: string) => {
    try {
      await client.exec(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}
