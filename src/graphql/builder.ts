import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Context } from './context.js';
import { decodeCheckedGlobalID } from './global-ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';
import type { DateTimeScalar, DecimalScalar, JsonScalar } from './scalar-types.js';

/** Plugin configuration only: types and fields live in src/modules. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: DateTimeScalar;
    Decimal: DecimalScalar;
    JSON: JsonScalar;
    ID: { Input: string; Output: string };
  };
  AuthScopes: { admin: boolean; service: boolean; workflow: boolean };
}>({
  // Scope auth wraps every resolver, so it goes first.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      admin: context.viewer.kind === 'agent' && context.viewer.isAdmin,
      service: context.viewer.kind === 'service',
      workflow: true,
    }),
  },
  errors: {
    defaultTypes: [],
    // Mutations answer `StartSessionPayload | NotFoundError | ...` without a wrapper type.
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result` },
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    maxConnectionSize: MAX_PAGE_SIZE,
    // A resolver that forgets to spread `query` loads nested data one row at a time.
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    decodeGlobalID: decodeCheckedGlobalID,
  },
});

export { Prisma };
