import {
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { ownerScope, type Viewer } from '../../auth/viewer.js';
import { decodeCheckedGlobalID } from '../global-ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination.js';
import { type Connection, type Field, READ_MODEL } from './read-model.js';

/**
 * Compiles a whole query operation into one SQL statement whose single value is the
 * response's `data` as JSON text, built by PostgreSQL (json_build_object / json_agg), with
 * the viewer's visibility in its WHERE clauses. Anything this compiler does not know to
 * answer exactly as the Pothos resolvers would (a field outside READ_MODEL, a directive, a
 * cursor argument, a filter by global id, an argument that the resolvers would refuse) makes
 * it answer `undefined`, and the operation runs through the resolvers instead, which also
 * produce every error.
 */
export type CompiledRead = { sql: string; params: unknown[] };

class NotCompilable extends Error {}
/** One instance, thrown again and again: a new Error would capture a stack each time, for nothing. */
const NOT_COMPILABLE = new NotCompilable();
const bail = (): never => {
  throw NOT_COMPILABLE;
};

/** An operation's compilation, for as long as its arguments live and its viewer is the same. */
const compilations = new WeakMap<ExecutionArgs, { viewer: Viewer; compiled: CompiledRead | undefined }>();

export function compileRead(args: ExecutionArgs, viewer: Viewer): CompiledRead | undefined {
  // Mutations and subscriptions never compile: said before a compiler is built and throws.
  if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return undefined;
  const known = compilations.get(args);
  if (known?.viewer === viewer) return known.compiled;
  let compiled: CompiledRead | undefined;
  try {
    compiled = new ReadCompiler(args, viewer).compile();
  } catch (error) {
    if (!(error instanceof NotCompilable)) throw error;
  }
  compilations.set(args, { viewer, compiled });
  return compiled;
}

type Grouped = Map<string, FieldNode[]>;

class ReadCompiler {
  private readonly params: unknown[] = [];
  /**
   * Conditions the whole answer depends on; when one fails the statement answers NULL and
   * the operation runs through the resolvers, which refuse it (a cursor whose row the
   * viewer cannot see: see cursor-visibility.ts).
   */
  private readonly guards: string[] = [];
  private aliases = 0;
  private variables: Record<string, unknown> = {};

  constructor(
    private readonly args: ExecutionArgs,
    private readonly viewer: Viewer,
  ) {}

  compile(): CompiledRead {
    const { schema, document, operationName } = this.args;
    const operation = getOperationAST(document, operationName) ?? bail();
    if (operation.operation !== 'query' || operation.directives?.length) bail();
    const coerced = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      (this.args.variableValues ?? {}) as Record<string, unknown>,
    );
    if (coerced.errors) bail();
    this.variables = coerced.coerced ?? {};
    const queryType = schema.getQueryType() ?? bail();
    const entries: string[] = [];
    for (const [key, nodes] of this.collect(operation.selectionSet, queryType)) {
      entries.push(`'${key}', ${this.rootField(queryType, nodes)}`);
    }
    if (this.viewer.kind === 'agent' && this.viewer.remembered) {
      // A remembered agent (agent-memory.ts) is confirmed here, in the statement that reads for it.
      const a = this.alias();
      this.guards.push(
        `EXISTS (SELECT 1 FROM iso_agents ${a} WHERE ${a}.id = ${this.param(this.viewer.agent.id)}::uuid` +
          ` AND ${a}.is_active AND ${a}.role::text = ${this.param(this.viewer.agent.role)})`,
      );
    }
    // The marker names the statement in logs and lets tests tell it from Prisma's.
    const data = `json_build_object(${entries.join(', ')})::text`;
    const guarded = this.guards.length ? `CASE WHEN ${this.guards.join(' AND ')} THEN ${data} END` : data;
    return {
      sql: `${COMPILED_READ_MARKER} SELECT ${guarded} AS data`,
      params: this.params,
    };
  }

  private param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  private alias(): string {
    this.aliases += 1;
    return `t${this.aliases}`;
  }

  /** The fields of a selection by response key, through fragments, as graphql-js groups them. */
  private collect(selectionSet: SelectionSetNode, type: GraphQLObjectType, into: Grouped = new Map()): Grouped {
    for (const selection of selectionSet.selections) {
      if (selection.directives?.length) bail();
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        into.set(key, [...(into.get(key) ?? []), selection]);
        continue;
      }
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection
          : this.args.document.definitions.find(
              (definition): definition is FragmentDefinitionNode =>
                definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
            );
      if (!fragment) return bail();
      const condition = fragment.typeCondition?.name.value;
      if (condition && condition !== type.name) bail();
      this.collect(fragment.selectionSet, type, into);
    }
    return into;
  }

  private subselection(nodes: FieldNode[], type: GraphQLObjectType): Grouped {
    const grouped: Grouped = new Map();
    for (const node of nodes) if (node.selectionSet) this.collect(node.selectionSet, type, grouped);
    return grouped;
  }

  private argumentsOf(parent: GraphQLObjectType, node: FieldNode): Record<string, unknown> {
    const definition = parent.getFields()[node.name.value] ?? bail();
    return getArgumentValues(definition, node, this.variables);
  }

  private fieldType(parent: GraphQLObjectType, name: string): GraphQLObjectType {
    const type = getNamedType(parent.getFields()[name]?.type ?? bail());
    return isObjectType(type) ? type : bail();
  }

  private rootField(queryType: GraphQLObjectType, nodes: FieldNode[]): string {
    const node = nodes[0] ?? bail();
    const name = node.name.value;
    if (name === '__typename') return `'${queryType.name}'`;
    const args = this.argumentsOf(queryType, node);
    const type = this.fieldType(queryType, name);
    const scope = ownerScope(this.viewer);
    if (name === 'viewer') {
      if (this.viewer.kind !== 'agent') return 'NULL::json';
      const t = this.alias();
      const object = this.object(type, t, this.subselection(nodes, type));
      return `(SELECT ${object} FROM iso_agents ${t} WHERE ${t}.id = ${this.param(this.viewer.agent.id)}::uuid)`;
    }
    if (name === 'session') {
      let decoded: { typename: string; id: string };
      try {
        decoded = decodeCheckedGlobalID(String(args['id']));
      } catch {
        return bail();
      }
      if (decoded.typename !== 'ChatSession') bail();
      const t = this.alias();
      const owned = scope ? ` AND ${t}.iso_agent_id = ${this.param(scope)}::uuid` : '';
      const object = this.object(type, t, this.subselection(nodes, type));
      return `(SELECT ${object} FROM chat_sessions ${t} WHERE ${t}.id = ${this.param(decoded.id)}::uuid${owned})`;
    }
    if (name === 'sessions') {
      const order = sessionOrder(args['orderBy'] as SessionOrderValue | undefined);
      const after = args['after'] == null ? undefined : sessionCursor(String(args['after']));
      if (after) {
        const at = this.alias();
        const visible = scope ? ` AND ${at}.iso_agent_id = ${this.param(scope)}::uuid` : '';
        this.guards.push(
          `EXISTS (SELECT 1 FROM chat_sessions ${at} WHERE ${at}.id = ${this.param(after)}::uuid${visible})`,
        );
      }
      const filter = args['filter'] as SessionFilterValue | undefined;
      const where = (t: string) => {
        const conditions = this.sessionConditions(t, filter);
        // Prisma's cursor: the rows after the cursor's row in the page order (none when it is gone).
        if (after) {
          const at = this.alias();
          conditions.push(
            `(${t}.${order.column}, ${t}.id) ${order.direction === 'DESC' ? '<' : '>'} ` +
              `(SELECT ${at}.${order.column}, ${at}.id FROM chat_sessions ${at} WHERE ${at}.id = ${this.param(after)}::uuid)`,
          );
        }
        return conditions;
      };
      // totalCount counts the whole filtered set, as the resolver's count does, not what follows the cursor.
      const counted = (t: string) => this.sessionConditions(t, filter);
      return this.connection(queryType, nodes, args, {
        table: 'chat_sessions',
        where,
        countWhere: counted,
        orderBy: `${order.column} ${order.direction}, id ${order.direction}`,
        cursor: 'string-id',
        acceptsAfter: true,
      });
    }
    return bail();
  }

  /** `json_build_object(...)` of one row `t` of `type`'s table. */
  private object(type: GraphQLObjectType, t: string, fields: Grouped): string {
    const model = READ_MODEL[type.name] ?? bail();
    const entries: string[] = [];
    for (const [key, nodes] of fields) {
      const node = nodes[0] ?? bail();
      const name = node.name.value;
      let expression: string;
      if (name === '__typename') expression = `'${type.name}'`;
      else if (name === 'id') expression = base64(`'${type.name}:' || ${t}.id`);
      else if (name === 'cursor' && type.name === 'SessionEvent') expression = base64url(`'evt:' || ${t}.id`);
      else expression = this.field(type, t, model.fields[name] ?? bail(), nodes);
      entries.push(`'${key}', ${expression}`);
    }
    if (entries.length > 50) bail(); // json_build_object takes at most 100 arguments
    return `json_build_object(${entries.join(', ')})`;
  }

  private field(parent: GraphQLObjectType, t: string, field: Field, nodes: FieldNode[]): string {
    const node = nodes[0] ?? bail();
    if (field.kind === 'scalar') {
      if (node.arguments?.length) bail();
      const column = `${t}.${field.column}`;
      if (field.scalar === 'datetime') return isoDateTime(column);
      if (field.scalar === 'decimal') return `${column}::text`;
      return column;
    }
    if (field.kind === 'connection') return this.relatedConnection(parent, t, field, nodes);
    const type = this.fieldType(parent, node.name.value);
    const child = this.alias();
    const model = READ_MODEL[type.name] ?? bail();
    if (field.kind === 'toOne') {
      const object = this.object(type, child, this.subselection(nodes, type));
      return `(SELECT ${object} FROM ${model.table} ${child} WHERE ${child}.id = ${t}.${field.foreignKey})`;
    }
    if (node.arguments?.length) bail();
    const object = this.object(type, child, this.subselection(nodes, type));
    return `COALESCE((SELECT json_agg(${object} ORDER BY ${qualify(field.orderBy, child)}) FROM ${model.table} ${child} WHERE ${child}.${field.childKey} = ${t}.id), '[]'::json)`;
  }

  private relatedConnection(parent: GraphQLObjectType, t: string, field: Connection, nodes: FieldNode[]): string {
    const node = nodes[0] ?? bail();
    const model = READ_MODEL[field.type] ?? bail();
    return this.connection(parent, nodes, this.argumentsOf(parent, node), {
      table: model.table,
      where: (child) => [`${child}.${field.childKey} = ${t}.${field.parentKey}`],
      orderBy: field.orderBy,
      cursor: field.cursor,
      totalCount: field.totalCount,
    });
  }

  /**
   * A Relay connection, first page only: `first` rows (plus one, to know whether there is
   * a next page) in the connection's order, numbered, then edges, pageInfo and (only when
   * asked) totalCount built from them.
   */
  private connection(
    parent: GraphQLObjectType,
    nodes: FieldNode[],
    args: Record<string, unknown>,
    source: {
      table: string;
      where: (alias: string) => string[];
      orderBy: string;
      cursor: Connection['cursor'];
      totalCount?: boolean;
      /** The rows totalCount counts, when not those of `where`. */
      countWhere?: (alias: string) => string[];
      acceptsAfter?: boolean;
    },
  ): string {
    const node = nodes[0] ?? bail();
    if ((args['after'] != null && !source.acceptsAfter) || args['before'] != null || args['last'] != null) bail();
    const hasPreviousPage = args['after'] != null;
    const first = args['first'] == null ? DEFAULT_PAGE_SIZE : Number(args['first']);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) bail();
    const connectionType = this.fieldType(parent, node.name.value);
    const edgeType = this.fieldType(connectionType, 'edges');
    const nodeType = this.fieldType(edgeType, 'node');
    const page = this.alias();
    const model = READ_MODEL[nodeType.name] ?? bail();
    if (model.table !== source.table) bail();
    const cursor = source.cursor === 'string-id' ? base64(`'GPC:S:' || ${page}.id`) : base64(`'GPC:I:' || ${page}.id`);
    const inPage = `${page}.row_number <= ${first}`;
    const entries: string[] = [];
    for (const [key, fieldNodes] of this.subselection(nodes, connectionType)) {
      const name = fieldNodes[0]?.name.value;
      if (name === '__typename') entries.push(`'${key}', '${connectionType.name}'`);
      else if (name === 'totalCount') {
        const counted = this.alias();
        entries.push(
          `'${key}', (SELECT count(*) FROM ${source.table} ${counted}${whereClause((source.countWhere ?? source.where)(counted))})`,
        );
      } else if (name === 'edges') {
        const edge: string[] = [];
        for (const [edgeKey, edgeNodes] of this.subselection(fieldNodes, edgeType)) {
          const edgeName = edgeNodes[0]?.name.value;
          if (edgeName === '__typename') edge.push(`'${edgeKey}', '${edgeType.name}'`);
          else if (edgeName === 'cursor') edge.push(`'${edgeKey}', ${cursor}`);
          else if (edgeName === 'node') {
            edge.push(`'${edgeKey}', ${this.object(nodeType, page, this.subselection(edgeNodes, nodeType))}`);
          } else bail();
        }
        entries.push(
          `'${key}', COALESCE(json_agg(json_build_object(${edge.join(', ')}) ORDER BY ${page}.row_number) FILTER (WHERE ${inPage}), '[]'::json)`,
        );
      } else if (name === 'pageInfo') {
        const pageInfoType = this.fieldType(connectionType, 'pageInfo');
        const info: string[] = [];
        for (const [infoKey, infoNodes] of this.subselection(fieldNodes, pageInfoType)) {
          const infoName = infoNodes[0]?.name.value;
          if (infoName === '__typename') info.push(`'${infoKey}', '${pageInfoType.name}'`);
          else if (infoName === 'hasNextPage') info.push(`'${infoKey}', count(*) > ${first}`);
          else if (infoName === 'hasPreviousPage') info.push(`'${infoKey}', ${hasPreviousPage}`);
          else if (infoName === 'startCursor') {
            info.push(`'${infoKey}', (array_agg(${cursor} ORDER BY ${page}.row_number) FILTER (WHERE ${inPage}))[1]`);
          } else if (infoName === 'endCursor') {
            info.push(
              `'${infoKey}', (array_agg(${cursor} ORDER BY ${page}.row_number DESC) FILTER (WHERE ${inPage}))[1]`,
            );
          } else bail();
        }
        entries.push(`'${key}', json_build_object(${info.join(', ')})`);
      } else bail();
    }
    const rows = this.alias();
    const conditions = source.where(rows);
    const order = qualify(source.orderBy, rows);
    // GROUP BY (): one answer however many rows, also none, and also when nothing selected aggregates them
    // (a connection asked only for totalCount would otherwise be a row per page row, or no row at all).
    return `(SELECT json_build_object(${entries.join(', ')}) FROM (SELECT ${rows}.*, row_number() OVER (ORDER BY ${order}) AS row_number FROM ${source.table} ${rows}${whereClause(conditions)} ORDER BY ${order} LIMIT ${first + 1}) ${page} GROUP BY ())`;
  }

  /** The `sessions` filter and the viewer's visibility, as sessionWhere builds them for Prisma. */
  private sessionConditions(t: string, filter: SessionFilterValue | undefined): string[] {
    const conditions: string[] = [];
    const scope = ownerScope(this.viewer);
    if (scope) conditions.push(`${t}.iso_agent_id = ${this.param(scope)}::uuid`);
    if (!filter) return conditions;
    // Global-id filters (and the admin check on agentId) stay with the resolvers.
    if (filter.agentId != null || filter.clientId != null) bail();
    if (filter.status?.length) conditions.push(`${t}.status::text = ANY(${this.param(filter.status)}::text[])`);
    if (filter.step?.length) conditions.push(`${t}.current_step::text = ANY(${this.param(filter.step)}::text[])`);
    if (filter.avinodeTripId) conditions.push(`${t}.avinode_trip_id = ${this.param(filter.avinodeTripId)}`);
    if (filter.avinodeRfqId) conditions.push(`${t}.avinode_rfq_id = ${this.param(filter.avinodeRfqId)}`);
    if (filter.lastActivityAfter) {
      conditions.push(`${t}.last_activity_at >= ${this.param(filter.lastActivityAfter)}::timestamptz`);
    }
    if (filter.lastActivityBefore) {
      conditions.push(`${t}.last_activity_at < ${this.param(filter.lastActivityBefore)}::timestamptz`);
    }
    const search = filter.search?.trim().replace(/[\\%_]/g, (character) => `\\${character}`);
    if (search) {
      const pattern = this.param(`%${search}%`);
      conditions.push(
        `(EXISTS (SELECT 1 FROM conversations c WHERE c.id = ${t}.conversation_id AND c.subject ILIKE ${pattern})` +
          ` OR EXISTS (SELECT 1 FROM requests r JOIN clients cl ON cl.id = r.client_id` +
          ` WHERE r.id = ${t}.request_id AND cl.company_name ILIKE ${pattern}))`,
      );
    }
    if (this.params.length > 1000) bail();
    return conditions;
  }
}

type SessionFilterValue = {
  status?: string[] | null;
  step?: string[] | null;
  avinodeTripId?: string | null;
  avinodeRfqId?: string | null;
  clientId?: unknown;
  agentId?: unknown;
  lastActivityAfter?: Date | null;
  lastActivityBefore?: Date | null;
  search?: string | null;
};
type SessionOrderValue = { field: 'LAST_ACTIVITY_AT' | 'STARTED_AT' | 'UPDATED_AT'; direction?: string | null };

const ORDER_COLUMNS = {
  LAST_ACTIVITY_AT: 'last_activity_at',
  STARTED_AT: 'session_started_at',
  UPDATED_AT: 'updated_at',
} as const;

/** sessionOrderBy's order: newest activity first unless asked otherwise, the id breaking ties. */
function sessionOrder(order: SessionOrderValue | undefined): { column: string; direction: 'ASC' | 'DESC' } {
  const direction = order?.direction === 'ASC' ? 'ASC' : 'DESC';
  return { column: ORDER_COLUMNS[order?.field ?? 'LAST_ACTIVITY_AT'] ?? bail(), direction };
}

/** The session id in one of this connection's cursors; any other cursor is the resolvers' to refuse. */
function sessionCursor(cursor: string): string {
  const match = /^GPC:S:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(
    Buffer.from(cursor, 'base64').toString('utf8'),
  );
  return match?.[1] ?? bail();
}

/** Starts every compiled statement. */
export const COMPILED_READ_MARKER = '/* compiled read */';

const whereClause = (conditions: string[]) => (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '');

function qualify(orderBy: string, t: string): string {
  return orderBy
    .split(',')
    .map((part) => `${t}.${part.trim()}`)
    .join(', ');
}

// As the DateTime scalar prints (Date#toISOString) and Pothos encodes ids and cursors (base64).
const isoDateTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const base64 = (text: string) => `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'\\n', '')`;
const base64url = (text: string) =>
  `rtrim(translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`;
