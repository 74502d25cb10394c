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

export type OperationCost = {
  /** Objects the operation could produce at worst. */
  cost: number;
  /** The largest page any connection in it asks for, and with which argument. */
  largestPage: { size: number; argument: string } | undefined;
};

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
): OperationCost {
  let largestPage: OperationCost['largestPage'];
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations[0];
  if (!operation) return { cost: 0, largestPage };
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, largestPage };

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
    const page = takesPages ? pageSize(field, variables) : undefined;
    if (page && page.size > (largestPage?.size ?? -1)) largestPage = page;
    const rows = page ? page.size : listLength(field, 'ids', variables);
    return 1 + rows * selectionCost(field.selectionSet, type, seen);
  };

  const cost = selectionCost(operation.selectionSet, root, new Set());
  return { cost, largestPage };
}

function argumentValue(field: FieldNode, name: string, variables: Record<string, unknown> | null | undefined): unknown {
  const node: ValueNode | undefined = field.arguments?.find((argument) => argument.name.value === name)?.value;
  return node ? valueFromASTUntyped(node, variables ?? undefined) : undefined;
}

function pageSize(
  field: FieldNode,
  variables: Record<string, unknown> | null | undefined,
): { size: number; argument: string } {
  for (const argument of ['first', 'last']) {
    const value = argumentValue(field, argument, variables);
    if (typeof value === 'number' && Number.isFinite(value)) return { size: Math.max(0, value), argument };
  }
  return { size: DEFAULT_PAGE_SIZE, argument: 'first' };
}

function listLength(field: FieldNode, name: string, variables: Record<string, unknown> | null | undefined): number {
  const value = argumentValue(field, name, variables);
  return Array.isArray(value) ? value.length : 1;
}
