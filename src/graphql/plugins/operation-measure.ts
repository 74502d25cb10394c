import {
  type ASTNode,
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

type Variables = Record<string, unknown> | null | undefined;

export type OperationCost = {
  /** Objects the operation could produce at worst. */
  cost: number;
  /** The largest page any connection in it asks for, and with which argument. */
  largestPage: { size: number; argument: string } | undefined;
};

/** What one walk of an operation finds: its shape, and its cost once the variables are known. */
export type OperationMeasure = {
  /** Levels of fields, counted through fragments (introspection fields add none). */
  depth: number;
  aliases: number;
  /** On fields, fragments and the operation itself. */
  directives: number;
  cost(variables: Variables): OperationCost;
};

/**
 * The cost of a selection, kept from the walk: 1 for each field without objects under it,
 * and for each field with objects, 1 plus its rows times the cost of what it selects.
 * Page sizes may come from variables, so they are read when the cost is asked for.
 */
type CostTree = { leaves: number; fields: { field: FieldNode; takesPages: boolean; inner: CostTree }[] };
type Shape = { depth: number; aliases: number; directives: number };

const measured = new WeakMap<
  DocumentNode,
  { schema: GraphQLSchema; operations: Map<OperationDefinitionNode, OperationMeasure> }
>();

/**
 * Every operation of a document, measured in one walk each and kept with the document (the
 * parser cache hands the same document back), so validation's shape checks and the cost
 * check just before execution share it.
 */
export function measureDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
): Map<OperationDefinitionNode, OperationMeasure> {
  const known = measured.get(document);
  if (known?.schema === schema) return known.operations;
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const operations = new Map<OperationDefinitionNode, OperationMeasure>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation) ?? undefined;
    const { shape, tree } = walk(schema, fragments, definition.selectionSet, root, new Set());
    const costTree = root ? tree : { leaves: 0, fields: [] };
    operations.set(definition, {
      depth: shape.depth,
      aliases: shape.aliases,
      directives: shape.directives + (definition.directives?.length ?? 0),
      cost: (variables) => costOf(costTree, variables),
    });
  }
  measured.set(document, { schema, operations });
  return operations;
}

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
  variables: Variables,
): OperationCost {
  const operations = [...measureDocument(schema, document)];
  const found = operationName
    ? operations.find(([operation]) => operation.name?.value === operationName)
    : operations[0];
  return found ? found[1].cost(variables) : { cost: 0, largestPage: undefined };
}

/**
 * One pass over a selection for both the shape and the cost. `type` is undefined where
 * the schema does not say what is selected: the shape is still counted, the cost is not
 * (validation refuses such a document before it could run).
 */
function walk(
  schema: GraphQLSchema,
  fragments: Map<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType | undefined,
  seen: Set<string>,
): { shape: Shape; tree: CostTree } {
  const shape: Shape = { depth: 0, aliases: 0, directives: 0 };
  const tree: CostTree = { leaves: 0, fields: [] };
  const add = (inner: Shape, extraDepth: number) => {
    shape.depth = Math.max(shape.depth, inner.depth + extraDepth);
    shape.aliases += inner.aliases;
    shape.directives += inner.directives;
  };
  const merge = (inner: CostTree) => {
    tree.leaves += inner.leaves;
    tree.fields.push(...inner.fields);
  };
  const compositeNamed = (name: string | undefined) => {
    const named = name ? schema.getType(name) : type;
    return named && isCompositeType(named) ? named : undefined;
  };
  for (const selection of selectionSet.selections) {
    shape.directives += directiveCount(selection);
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) shape.aliases += 1;
      // Introspection is bounded by the schema itself and GraphiQL's query is deep.
      if (selection.name.value.startsWith('__') || !selection.selectionSet) {
        if (!selection.name.value.startsWith('__')) add({ depth: 0, aliases: 0, directives: 0 }, 1);
        tree.leaves += 1;
        continue;
      }
      const definition =
        type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[selection.name.value] : undefined;
      const named = definition ? getNamedType(definition.type) : undefined;
      const fieldType = named && isCompositeType(named) ? named : undefined;
      const inner = walk(schema, fragments, selection.selectionSet, fieldType, seen);
      add(inner.shape, 1);
      if (definition && fieldType) {
        const takesPages = definition.args.some((argument) => argument.name === 'first');
        tree.fields.push({ field: selection, takesPages, inner: inner.tree });
      } else {
        tree.leaves += 1;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const fragmentType = compositeNamed(selection.typeCondition?.name.value);
      const inner = walk(schema, fragments, selection.selectionSet, fragmentType, seen);
      add(inner.shape, 0);
      if (fragmentType) merge(inner.tree);
    } else {
      const fragment = fragments.get(selection.name.value);
      // Cycles are invalid GraphQL, reported by the standard NoFragmentCycles rule; never loop on one here.
      if (!fragment || seen.has(fragment.name.value)) continue;
      shape.directives += fragment.directives?.length ?? 0;
      const fragmentType = compositeNamed(fragment.typeCondition.name.value);
      const inner = walk(
        schema,
        fragments,
        fragment.selectionSet,
        fragmentType,
        new Set([...seen, fragment.name.value]),
      );
      add(inner.shape, 0);
      if (fragmentType) merge(inner.tree);
    }
  }
  return { shape, tree };
}

function costOf(tree: CostTree, variables: Variables): OperationCost {
  let largestPage: OperationCost['largestPage'];
  const selectionCost = (selection: CostTree): number => {
    let total = selection.leaves;
    for (const { field, takesPages, inner } of selection.fields) {
      const page = takesPages ? pageSize(field, variables) : undefined;
      if (page && page.size > (largestPage?.size ?? -1)) largestPage = page;
      const rows = page ? page.size : listLength(field, 'ids', variables);
      total += 1 + rows * selectionCost(inner);
    }
    return total;
  };
  const cost = selectionCost(tree);
  return { cost, largestPage };
}

function directiveCount(node: ASTNode): number {
  return 'directives' in node && Array.isArray(node.directives) ? node.directives.length : 0;
}

function argumentValue(field: FieldNode, name: string, variables: Variables): unknown {
  const node: ValueNode | undefined = field.arguments?.find((argument) => argument.name.value === name)?.value;
  return node ? valueFromASTUntyped(node, variables ?? undefined) : undefined;
}

function pageSize(field: FieldNode, variables: Variables): { size: number; argument: string } {
  for (const argument of ['first', 'last']) {
    const value = argumentValue(field, argument, variables);
    if (typeof value === 'number' && Number.isFinite(value)) return { size: Math.max(0, value), argument };
  }
  return { size: DEFAULT_PAGE_SIZE, argument: 'first' };
}

function listLength(field: FieldNode, name: string, variables: Variables): number {
  const value = argumentValue(field, name, variables);
  return Array.isArray(value) ? value.length : 1;
}
