import { SpanKind } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  SqlQueryable,
  Transaction,
} from '@prisma/driver-adapter-utils';
import { withSpan } from './spans.js';

/** Longest statement text kept on a span (Prisma's statements are parameterised: no values in them). */
const MAX_SQL_CHARS = 2_000;

/**
 * Prisma's driver adapter with a client span around every SQL statement, inside
 * whatever span is current (a resolver's execute phase, a workflow transaction). Only
 * installed when tracing is on; statements of untraced work pass straight through.
 */
export function tracedAdapterFactory(
  factory: SqlMigrationAwareDriverAdapterFactory,
): SqlMigrationAwareDriverAdapterFactory {
  return overriding(factory, {
    connect: async () => tracedAdapter(await factory.connect()),
  });
}

function tracedAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return overriding(adapter, {
    ...tracedQueries(adapter),
    startTransaction: async (isolationLevel) =>
      overriding<Transaction>(await adapter.startTransaction(isolationLevel), {}, tracedQueries),
  });
}

function tracedQueries(queryable: SqlQueryable): Pick<SqlQueryable, 'queryRaw' | 'executeRaw'> {
  return {
    queryRaw: (query) =>
      withSpan(spanName(query), attributesOf(query), () => queryable.queryRaw(query), SpanKind.CLIENT),
    executeRaw: (query) =>
      withSpan(spanName(query), attributesOf(query), () => queryable.executeRaw(query), SpanKind.CLIENT),
  };
}

const operationOf = (query: SqlQuery) => /^\s*([a-z]+)/i.exec(query.sql)?.[1]?.toUpperCase() ?? 'SQL';
const spanName = (query: SqlQuery) => `db ${operationOf(query)}`;
const attributesOf = (query: SqlQuery) => ({
  [ATTR_DB_SYSTEM_NAME]: 'postgresql',
  [ATTR_DB_OPERATION_NAME]: operationOf(query),
  [ATTR_DB_QUERY_TEXT]: query.sql.slice(0, MAX_SQL_CHARS),
});

/**
 * `target` with some members replaced. Everything else is the target's own, called on
 * the target (the adapters are classes whose methods expect their own `this`).
 */
function overriding<T extends object>(target: T, overrides: Partial<T>, more?: (target: T) => Partial<T>): T {
  const replaced: Partial<T> = { ...overrides, ...more?.(target) };
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof T];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
