import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Context } from './context.js';
import GeneratedDescriptionsPlugin from './generated-descriptions.js';
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
  AuthScopes: { admin: boolean };
}>({
  // Scope auth wraps every resolver, so it goes first. It guards the admin inbox
  // (`authScopes: { admin: true }`) and refuses cursors naming rows the viewer cannot see.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, GeneratedDescriptionsPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({ admin: context.viewer.kind === 'agent' && context.viewer.isAdmin }),
  },
  errors: {
    defaultTypes: [],
    // Mutations answer `StartSessionPayload | NotFoundError | ...` without a wrapper type.
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
      description: 'A mutation’s payload on success, or the typed error it ended in (nothing was written then).',
    },
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
    // What Relay generates (Node, PageInfo, connections, edges, their arguments) is described here, once.
    nodeTypeOptions: { description: 'An object with a global id, which `node(id:)` fetches.' },
    idFieldOptions: {
      description: 'Global id (opaque, stable): pass it to `node(id:)` and to arguments that take this object.',
    },
    nodeQueryOptions: {
      description: 'Any object by its global id; null when it does not exist or you may not see it.',
      args: { id: { description: 'A global id, as an `id` field returned it.' } },
    },
    nodesQueryOptions: {
      description:
        'Objects by global id, in the order asked; null in place of each one that does not exist or you may not see.',
      args: { ids: { description: `Global ids, as \`id\` fields returned them; at most ${MAX_PAGE_SIZE}.` } },
    },
    defaultConnectionTypeOptions: { description: 'One page of a list (a Relay connection).' },
    defaultEdgeTypeOptions: { description: 'One row of a page: the object and its cursor.' },
    edgesFieldOptions: { description: "This page's rows, in the list's order." },
    nodeFieldOptions: { description: 'The object in this row.' },
    cursorFieldOptions: {
      description: "This row's position (opaque): pass it as `after` or `before` to the same list.",
    },
    pageInfoFieldOptions: { description: 'Where this page sits in the list.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its list, and how to ask for the next one.' },
    hasNextPageFieldOptions: {
      description:
        'Paging forward (`first`, `after`): whether rows follow this page. Always true with `before`, false with `last`.',
    },
    hasPreviousPageFieldOptions: {
      description:
        'Paging backward (`last`, `before`): whether rows precede this page. Always true with `after`, false on a first forward page.',
    },
    startCursorFieldOptions: { description: "The first row's cursor; null on an empty page." },
    endCursorFieldOptions: {
      description: "The last row's cursor (pass it as `after` for the next page); null on an empty page.",
    },
    firstArgOptions: {
      description: `Page forward: at most this many rows (${DEFAULT_PAGE_SIZE} when neither \`first\` nor \`last\` is given, ${MAX_PAGE_SIZE} at most: more is refused with PAGE_SIZE_EXCEEDED).`,
    },
    afterArgOptions: { description: 'Start after this cursor, from a row or `endCursor` of the same list.' },
    lastArgOptions: {
      description: `Page backward: at most this many rows, the last ones before \`before\` (or of the list); ${MAX_PAGE_SIZE} at most.`,
    },
    beforeArgOptions: { description: 'End before this cursor, from a row or `startCursor` of the same list.' },
  },
});

export { Prisma };
