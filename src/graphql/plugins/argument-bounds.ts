import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getArgumentValues,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isListType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE_SIZE } from '../pagination.js';
import { onOperation } from './operation-hooks.js';

/**
 * How large any argument may be, whatever field it goes to. Each limit sits above
 * every legitimate value: ids are short, no list needs more entries than a page
 * holds, and every text field has its own, tighter rule (a chat message, the longest,
 * 20,000 characters), so the general string bound is only a backstop and a mutation
 * still answers a too-long field with a ValidationError naming it. A tighter limit for one input field is listed here too,
 * so this table is the whole answer to "how big may an argument be".
 */
export const ARGUMENT_LIMITS = {
  /** Elements in any list argument (e.g. `nodes(ids:)`): one page. */
  maxListLength: MAX_PAGE_SIZE,
  /** Characters in any ID (a global id is well under 100). */
  maxIdLength: 200,
  /** Characters in any other string, unless `maxStringLengthOf` says less. */
  maxStringLength: 100_000,
  /** Input fields with a tighter bound, by `Type.field`. */
  maxStringLengthOf: {
    // A substring search runs over every visible session: a long pattern costs seconds.
    'SessionFilter.search': 200,
    'SessionFilter.avinodeTripId': 100,
    'SessionFilter.avinodeRfqId': 100,
  } as Record<string, number>,
};

type Problem = { path: string; message: string; maximum: number };

function stringLimit(typeName: string, coordinate: string): number {
  if (typeName === 'ID') return ARGUMENT_LIMITS.maxIdLength;
  return ARGUMENT_LIMITS.maxStringLengthOf[coordinate] ?? ARGUMENT_LIMITS.maxStringLength;
}

/** The first value under `type` that is over its bound. */
function oversized(value: unknown, type: GraphQLInputType, path: string, coordinate: string): Problem | undefined {
  if (value === null || value === undefined) return undefined;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return oversized(value, nullable.ofType, path, coordinate);
    if (value.length > ARGUMENT_LIMITS.maxListLength) {
      const maximum = ARGUMENT_LIMITS.maxListLength;
      return { path, maximum, message: `\`${path}\` may hold at most ${maximum} items; got ${value.length}.` };
    }
    for (const [index, item] of value.entries()) {
      const problem = oversized(item, nullable.ofType, `${path}.${index}`, coordinate);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isInputObjectType(nullable)) {
    for (const field of Object.values(nullable.getFields())) {
      const item = (value as Record<string, unknown>)[field.name];
      const problem = oversized(item, field.type, `${path}.${field.name}`, `${nullable.name}.${field.name}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isScalarType(nullable) && typeof value === 'string') {
    const maximum = stringLimit(nullable.name, coordinate);
    if (value.length > maximum) {
      return {
        path,
        maximum,
        message: `\`${path}\` may be at most ${maximum} characters long; got ${value.length}.`,
      };
    }
  }
  return undefined;
}

/** A field in the document that takes arguments, with its definition: where a bound can be broken. */
type ArgumentSite = { definition: GraphQLField<unknown, unknown>; node: FieldNode };

/**
 * The argument sites of a document's operation and fragments, found once per parsed
 * document (yoga caches those): the walk with type information cost a few per cent of
 * a small mutation's CPU when it ran on every request.
 */
const sitesByDocument = new WeakMap<DocumentNode, Map<string, ArgumentSite[]>>();

function argumentSites(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ArgumentSite[] {
  let byOperation = sitesByDocument.get(document);
  if (!byOperation) {
    byOperation = new Map();
    sitesByDocument.set(document, byOperation);
  }
  const key = operation.name?.value ?? '';
  const known = byOperation.get(key);
  if (known) return known;
  const fragments = document.definitions.filter(
    (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  const typeInfo = new TypeInfo(schema);
  const sites: ArgumentSite[] = [];
  for (const root of [operation, ...fragments]) {
    visit(
      root,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const definition = typeInfo.getFieldDef();
          if (definition && definition.args.length > 0) sites.push({ definition, node });
        },
      }),
    );
  }
  byOperation.set(key, sites);
  return sites;
}

/** Checks every argument of every field the operation selects, with its variables coerced. */
function firstOversized(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): Problem | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const sites = argumentSites(schema, document, operation);
  if (sites.length === 0) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  // Invalid variables are execution's to report, with graphql-js' own messages.
  if (coerced.errors) return undefined;
  for (const { definition, node } of sites) {
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(definition, node, coerced.coerced);
    } catch {
      continue; // a bad literal: execution reports it
    }
    for (const argument of definition.args) {
      const problem = oversized(values[argument.name], argument.type, argument.name, argument.name);
      if (problem) return problem;
    }
  }
  return undefined;
}

function refusal(problem: Problem) {
  return {
    errors: [
      new GraphQLError(problem.message, {
        extensions: {
          code: 'BAD_USER_INPUT',
          argument: problem.path,
          maximum: problem.maximum,
          http: { status: 400 },
        },
      }),
    ],
  };
}

/**
 * Bounds every argument before anything runs: a 15,000-id `nodes` call or a
 * 900 KB search pattern is refused up front instead of holding a database
 * connection for seconds.
 */
export function argumentBoundsPlugin(): Plugin {
  return {
    ...onOperation({
      refuse: (args) => {
        const problem = firstOversized(args.schema, args.document, args.operationName, args.variableValues);
        return problem && refusal(problem);
      },
    }),
  };
}
