import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { ownerScope, type Viewer } from '../../auth/viewer.js';
import type { StreamedEvent } from './event-stream.js';

/**
 * One execution per event for every subscriber that would get the same result, the way
 * live-query engines multiplex: a thousand dashboards following one agent's activity with
 * the same document cost one resolution of the event's nested selection (one set of SQL
 * statements, one result object), not a thousand.
 *
 * Subscribers share when their operation is the same document with the same operation
 * name and variables, their viewers see the same rows (`ownerScope`, and the same kind of
 * viewer, so an admin-only field could never leak to an agent), and the root field opts in
 * with the `sharedExecution` extension: a field whose result depends only on the event.
 * Everything else about a subscriber stays its own: its source stream (replay, scope,
 * backlog), its delivery tracking and revocation (event-delivery.ts), its transport.
 *
 * A result that carries an error is never kept, so a subscriber that resumes after an
 * interruption gets a fresh execution, not the failure again.
 */

/** Set on a subscription field's `extensions` when its result depends only on the event and the viewer's visibility. */
export const SHARED_EXECUTION = 'sharedExecution';

/** Results a group keeps for members that have not yet taken them; a member further behind executes its own. */
const RESULTS_PER_GROUP = 128;

type SharedResult = {
  result: Promise<ExecutionResult>;
  /** The result once settled: the members after the first take it without another promise. */
  settled?: ExecutionResult;
  untaken: number;
};

/** The subscribers that share results: how many are attached, and the results of recent events. */
type Group = {
  members: number;
  results: Map<bigint, SharedResult>;
  /** The newest event shared: an older one is a member replaying alone, which executes its own. */
  newest: bigint;
};

export function sharedEventExecutionPlugin(): Plugin {
  const groups = new Map<string, Group>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;

  const groupKeyOf = (args: ExecutionArgs): string | undefined => {
    if (!isShareable(args)) return undefined;
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    const viewer = (args.contextValue as { viewer: Viewer }).viewer;
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? {}, visibilityOf(viewer)]);
  };

  const join = (key: string): Group => {
    let group = groups.get(key);
    if (!group) {
      group = { members: 0, results: new Map(), newest: 0n };
      groups.set(key, group);
    }
    group.members++;
    return group;
  };

  const leave = (key: string, group: Group) => {
    group.members--;
    if (group.members === 0 && groups.get(key) === group) groups.delete(key);
  };

  return {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const key = groupKeyOf(args);
        if (key === undefined) return subscribeFn(args);
        // The subscriber's own source: its `subscribe` resolver, with its own context.
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        const group = join(key);
        return sharedResults(
          source as AsyncIterableIterator<StreamedEvent>,
          (event) => resultFor(group, event, () => execute({ ...args, rootValue: event })),
          () => leave(key, group),
        );
      });
    },
  };
}

/** The group's result for this event: executed by the first member to reach it, taken by the rest. */
function resultFor(
  group: Group,
  event: StreamedEvent,
  run: () => ExecutionResult | Promise<ExecutionResult>,
): ExecutionResult | Promise<ExecutionResult> {
  let shared = group.results.get(event.id);
  if (!shared) {
    if (event.id < group.newest) return run();
    group.newest = event.id;
    const entry: SharedResult = { result: Promise.resolve(run()).then(serialisedOnce), untaken: group.members };
    shared = entry;
    group.results.set(event.id, entry);
    // Members that left without taking their share, or fell far behind, must not pin memory.
    if (group.results.size > RESULTS_PER_GROUP) {
      const oldest = group.results.keys().next().value;
      if (oldest !== undefined) group.results.delete(oldest);
    }
    void entry.result.then((result) => {
      entry.settled = result;
      if (result.errors?.length && group.results.get(event.id) === entry) group.results.delete(event.id);
    });
  }
  shared.untaken--;
  if (shared.untaken <= 0 && group.results.get(event.id) === shared) group.results.delete(event.id);
  return shared.settled ?? shared.result;
}

/**
 * The result, given a `stringify` that serialises it once for every member: yoga's SSE
 * writer uses a result's own `stringify` when it has one, and so does the WebSocket's
 * (websocket-payloads.ts). Not enumerable, so the result reads and compares as before.
 */
function serialisedOnce(result: ExecutionResult): ExecutionResult {
  let text: string | undefined;
  const stringify = (value: ExecutionResult) => {
    if (value !== result) return JSON.stringify(value);
    text ??= JSON.stringify(result);
    return text;
  };
  return Object.defineProperty(result, 'stringify', { value: stringify, enumerable: false });
}

/** Maps a subscriber's events to their shared results; leaves the group once, however the stream ends. */
function sharedResults(
  source: AsyncIterableIterator<StreamedEvent>,
  resultOf: (event: StreamedEvent) => ExecutionResult | Promise<ExecutionResult>,
  onEnd: () => void,
): AsyncIterableIterator<ExecutionResult> {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const failed = (error: unknown): never => {
    end();
    throw error;
  };
  const delivered = (value: ExecutionResult): IteratorResult<ExecutionResult> => ({ done: false, value });
  // Plain `then`s rather than an async function: this runs for every member and every event.
  const resultAfter = (next: IteratorResult<StreamedEvent>) => {
    if (next.done) {
      end();
      return { done: true, value: undefined } as const;
    }
    let result: ExecutionResult | Promise<ExecutionResult>;
    try {
      result = resultOf(next.value);
    } catch (error) {
      return failed(error);
    }
    return result instanceof Promise ? result.then(delivered, failed) : delivered(result);
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => source.next().then(resultAfter, failed),
    async return() {
      end();
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      end();
      await source.return?.();
      throw error;
    },
  };
  return iterator;
}

function isShareable(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') return false;
  const [selection, ...others] = operation.selectionSet.selections;
  if (selection?.kind !== 'Field' || others.length > 0) return false;
  const field = args.schema.getSubscriptionType()?.getFields()[selection.name.value];
  return field?.extensions?.[SHARED_EXECUTION] === true;
}

/** Viewers with the same visibility see the same rows and the same fields. */
function visibilityOf(viewer: Viewer): string {
  const kind = viewer.kind === 'agent' && viewer.isAdmin ? 'admin' : viewer.kind;
  return `${kind}:${ownerScope(viewer) ?? '*'}`;
}
