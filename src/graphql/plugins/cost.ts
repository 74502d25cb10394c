import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../pagination.js';

/**
 * The worst-case number of objects an operation can make the server produce: every
 * field costs 1, and what sits under a paginated field counts once per row of the
 * page it asks for (`first`/`last`, else the default page size). Ten sessions with
 * ten quotes each cost a hundred quotes, not ten.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations[0];
  if (!operation) return 0;
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, seen: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parent;
        if (type && isCompositeType(type)) total += selectionCost(selection.selectionSet, type, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A fragment cycle is invalid GraphQL and is refused by validation; never loop on it here.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type && isCompositeType(type)) {
          total += selectionCost(fragment.selectionSet, type, new Set([...seen, fragment.name.value]));
        }
      }
    }
    return total;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLCompositeType, seen: Set<string>): number => {
    if (!field.selectionSet) return 1;
    const definition =
      isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
    const type = definition ? getNamedType(definition.type) : undefined;
    if (!definition || !type || !isCompositeType(type)) return 1;
    const takesPages = definition.args.some((argument) => argument.name === 'first');
    const rows = takesPages ? pageSize(field, variables) : listLength(field, 'ids', variables);
    return 1 + rows * selectionCost(field.selectionSet, type, seen);
  };

  return selectionCost(operation.selectionSet, root, new Set());
}

function argumentValue(field: FieldNode, name: string, variables: Record<string, unknown> | null | undefined): unknown {
  const node: ValueNode | undefined = field.arguments?.find((argument) => argument.name.value === name)?.value;
  return node ? valueFromASTUntyped(node, variables ?? undefined) : undefined;
}

function pageSize(field: FieldNode, variables: Record<string, unknown> | null | undefined): number {
  for (const name of ['first', 'last']) {
    const value = argumentValue(field, name, variables);
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  }
  return DEFAULT_PAGE_SIZE;
}

function listLength(field: FieldNode, name: string, variables: Record<string, unknown> | null | undefined): number {
  const value = argumentValue(field, name, variables);
  return Array.isArray(value) ? value.length : 1;
}
