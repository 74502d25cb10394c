import { type ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError, isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { AgentRevocations } from '../../auth/revocation.js';
import type { Context } from '../../graphql/context.js';
import { maskError } from '../../graphql/errors-mask.js';
import type { Logger } from '../../logger.js';
import { encodeEventCursor } from './event-cursor.js';
import type { EventScope, StreamedEvent } from './event-stream.js';
import { PushIterator } from './push-iterator.js';

/**
 * Delivering events to one subscriber: each event reaches it whole or not at all, only
 * while its viewer stands, and a stream that ends early says where to resume. Both sides sit here: `deliverEvents`
 * (a subscription's source, which records which event is being executed) and
 * `eventDeliveryPlugin` (which sees each event's result and ends the stream).
 *
 * An event whose result carries an error that subscribing again gets past (the database
 * is away) is never sent half-resolved, and the stream never skips it: the stream ends
 * with STREAM_INTERRUPTED and `resumeAfter`, the cursor of the last event delivered
 * whole, so `after: resumeAfter` delivers that event and everything after it, once.
 */

/** Failures a later attempt gets past: the event is delivered once the database answers. */
const TRANSIENT_CODES = new Set(['DATABASE_UNAVAILABLE', 'DATABASE_BUSY', 'REQUEST_TIMEOUT']);

/** One subscription's place in its stream, shared by its source and its results. */
type Delivery = {
  /** Where the subscriber stands: the last event delivered whole, or where its stream started. */
  position: bigint | undefined;
  /** The event whose result is being computed. */
  current: StreamedEvent | undefined;
};

/** Keyed by the operation's context: one per subscription operation, gone with it. */
const deliveries = new WeakMap<object, Delivery>();

export type DeliveryOptions = {
  /**
   * Asked of each event when its turn to be executed comes, not ahead of time, so it may
   * depend on what the previous results sent (sessionUpdated skips changes a snapshot showed).
   */
  wanted?: (event: StreamedEvent) => boolean;
};

/** A subscription's source: the events in scope after `after` (or from now on), tracked. */
export function deliverEvents(
  context: Context,
  scope: EventScope,
  after: bigint | undefined,
  { wanted = () => true }: DeliveryOptions = {},
): AsyncIterableIterator<StreamedEvent> {
  const delivery: Delivery = { position: after, current: undefined };
  deliveries.set(context, delivery);
  const events = context.events.subscribe(scope, after, (start) => {
    delivery.position ??= start;
  });
  // Pulled only when the executor asks for the next event, which it does once the
  // previous result has been taken: so `current` is the event of the result that follows.
  const take = (
    next: IteratorResult<StreamedEvent>,
  ): IteratorResult<StreamedEvent> | Promise<IteratorResult<StreamedEvent>> => {
    if (next.done) return next;
    if (!wanted(next.value)) return events.next().then(take);
    delivery.current = next.value;
    return next;
  };
  const tracked: AsyncIterableIterator<StreamedEvent> = {
    [Symbol.asyncIterator]: () => tracked,
    next: () => events.next().then(take),
    return: () => events.return(),
    throw: (error?: unknown) => events.throw(error),
  };
  return tracked;
}

/** The error that ends a stream early: a code, and the cursor to pass as `after` to go on. */
export function streamEndedError(
  code: string,
  message: string,
  resumeAfter: bigint | undefined,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return createGraphQLError(message, {
    extensions: {
      code,
      ...extensions,
      ...(resumeAfter === undefined ? {} : { resumeAfter: encodeEventCursor(resumeAfter) }),
    },
  });
}

/** Every subscription's results pass through `guardStream`. */
export function eventDeliveryPlugin(
  logger: Logger,
  revocations: AgentRevocations,
): Plugin<Record<string, unknown>, Context> {
  return {
    onSubscribe: () => ({
      onSubscribeResult: ({ args, result, setResult }) => {
        if (!isAsyncIterable(result)) return;
        const context = args.contextValue as unknown as Context;
        const ended = (error: GraphQLError, cause?: unknown) =>
          logger.warn('subscription ended early', {
            requestId: context.requestId,
            errorCode: error.extensions['code'],
            reason: error.extensions['reason'],
            resumeAfter: error.extensions['resumeAfter'],
            error: cause instanceof Error ? cause.message : undefined,
          });
        // The viewer was checked when the stream opened; it must keep standing while it runs.
        const watchViewer = (revoke: (message: string) => void) => {
          const unwatch = revocations.watch(context.viewer, revoke);
          const { expiresAt } = context.viewer;
          const expiry = expiresAt
            ? at(expiresAt, () =>
                revoke(
                  'The token has expired; subscribe again with a fresh token and `after` set to `extensions.resumeAfter`.',
                ),
              )
            : undefined;
          return () => {
            unwatch();
            expiry?.cancel();
          };
        };
        setResult(guardStream(result, deliveries.get(context), watchViewer, ended));
      },
    }),
  };
}

/**
 * The one place a stream ends with a coded error: an event that cannot be delivered
 * whole, a source that fails (a subscriber too slow, the event log unreadable), or a
 * viewer that no longer stands (its token expired, its agent deactivated). The
 * subscriber gets everything delivered so far, then the error, then the end.
 */
function guardStream(
  results: AsyncIterable<ExecutionResult>,
  delivery: Delivery | undefined,
  watchViewer: (revoke: (message: string) => void) => () => void,
  onEnded: (error: GraphQLError, cause?: unknown) => void,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = results[Symbol.asyncIterator]();
  // Room for one result: the next event is pulled only once the subscriber has taken the last.
  const guarded: PushIterator<ExecutionResult> = new PushIterator(1, () => {
    // Revocation ends the stream from the watcher's callback. Racing each `next()` against a
    // "revoked" promise instead would leave a reaction on that promise per event, kept until
    // the stream ends: about 300 bytes an event, gigabytes an hour for a busy dashboard fleet.
    const unwatch = watchViewer((message) => end(streamEndedError('UNAUTHENTICATED', message, delivery?.position)));
    // The client went away or the stream ended: the source lets go of its subscriber.
    guarded.onStop(() => {
      unwatch();
      void iterator.return?.();
    });
    void pump();
  });
  const end = (error: GraphQLError, cause?: unknown) => {
    // Once ended, no result is pushed after the error, even one already under way.
    if (guarded.ended) return;
    onEnded(error, cause);
    guarded.finish({ errors: [error] });
  };
  const pump = async () => {
    try {
      for (;;) {
        // Awaited only when full: a resolved await still costs every delivery a tick.
        if (guarded.full) await guarded.waitForRoom();
        if (guarded.ended) return;
        const next = await iterator.next();
        if (guarded.ended) return;
        if (next.done) break;
        const failure = next.value.errors?.find((error) => TRANSIENT_CODES.has(codeOf(error) ?? ''));
        if (failure) return end(interruptedError(codeOf(failure) ?? '', delivery?.position), failure);
        if (delivery?.current) delivery.position = delivery.current.id;
        guarded.push(next.value);
      }
      guarded.end();
    } catch (error) {
      end(endingError(error, delivery?.position), error);
    }
  };
  return guarded;
}

/** setTimeout fires at once beyond 2^31 - 1 ms (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function at(time: Date, run: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const remaining = time.getTime() - Date.now();
    if (remaining <= 0) return run();
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

function interruptedError(reason: string, resumeAfter: bigint | undefined): GraphQLError {
  return streamEndedError(
    'STREAM_INTERRUPTED',
    'The stream was interrupted before an event could be delivered; subscribe again with `after` set to `extensions.resumeAfter` to receive it.',
    resumeAfter,
    { reason },
  );
}

/** A failed source, as the subscriber sees it: masked as any error is, with where to resume. */
function endingError(error: unknown, resumeAfter: bigint | undefined): GraphQLError {
  const masked = asGraphQLError(error);
  const code = codeOf(masked);
  if (code && TRANSIENT_CODES.has(code)) return interruptedError(code, resumeAfter);
  return streamEndedError(code ?? 'INTERNAL_SERVER_ERROR', masked.message, resumeAfter, masked.extensions);
}

function asGraphQLError(error: unknown): GraphQLError {
  const masked = maskError(error, 'Unexpected error.', false);
  return masked instanceof GraphQLError ? masked : createGraphQLError(masked.message);
}

/** The code a client would see for the error, once masked. */
function codeOf(error: unknown): string | undefined {
  const code = asGraphQLError(error).extensions['code'];
  return typeof code === 'string' ? code : undefined;
}
