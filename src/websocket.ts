import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionResult, GraphQLError, type GraphQLFormattedError, parse } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context as SocketContext } from 'graphql-ws';
import { createGraphQLError, type GraphQLParams, type YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Viewer } from './auth/viewer.js';
import type { Context } from './graphql/context.js';
import { maskError } from './graphql/errors-mask.js';
import {
  logRefusedOperation,
  requestIdOf,
  trackWebSocketOperation,
  viewerLabel,
} from './graphql/plugins/observability.js';
import { schema } from './graphql/schema.js';
import type { Logger } from './logger.js';
import type { OperationMetrics } from './observability/operation-metrics.js';
import { messageBytes, standInPayload } from './websocket-payloads.js';

/**
 * GraphQL over WebSocket (graphql-ws) beside yoga's HTTP and SSE.
 *
 * A module of its own because graphql-ws skips what yoga does for an HTTP request
 * before and around execution: the `onParams` hooks (trusted documents, input
 * sanity), turning thrown errors into coded GraphQL errors, request ids. So every
 * `subscribe` message is handed to yoga's own `getResultForParams`, exactly as an HTTP
 * body is, and graphql-ws only carries the result. The socket glue is ours, not
 * `graphql-ws/use/ws`, so failures become JSON log lines rather than console output
 * and shutdown can wait for the last `complete` to be written.
 */

/** WebSocket close code 1013: the server cannot serve the connection right now (database down or slow). */
const CLOSE_TRY_AGAIN_LATER = 1013;
/** setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * graphql-ws needs a document to choose between execute and subscribe; yoga has already
 * run the operation by then and both hand back its result, so any document will do.
 */
const ANSWERED = parse('subscription Answered { __typename }');

export type WebSocketOptions = {
  server: Server;
  path: string;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** The viewer the connection_init credentials stand for; throws the GraphQL errors HTTP would answer with. */
  viewerOf(connectionParams: Record<string, unknown> | undefined): Promise<Viewer>;
  logger: Logger;
  metrics: OperationMetrics;
  /** Runs each operation in a span of its own, when tracing is on (no HTTP request carries it). */
  trace?: (<T>(work: () => Promise<T>) => Promise<T>) | undefined;
  /** Largest message accepted (larger: close 1009), as HTTP's body limit. */
  maxPayloadBytes: number;
  maxOperationsPerConnection: number;
  keepAliveMs: number;
};

export type WebSocketEndpoint = {
  /**
   * Refuses new operations from now on and resolves once every running one has written
   * its last message (`complete` or `error`), or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Closes every socket with 1001 "going away" and stops accepting. */
  close(timeoutMs: number): Promise<void>;
};

type Connection = {
  id: string;
  socket: WebSocket;
  /** The viewer's id for log lines, once connection_init is accepted. */
  viewer?: string;
  expiry?: NodeJS.Timeout;
  /** graphql-ws's state for this socket: its `subscriptions` are the operations running on it. */
  context?: SocketContext<Record<string, unknown> | undefined, Extra>;
};
type Extra = { connection: Connection; request: IncomingMessage };
type Answer = { result: ExecutionResult | AsyncIterable<ExecutionResult> };

export function serveWebSockets(options: WebSocketOptions): WebSocketEndpoint {
  const { yoga, logger } = options;
  const connections = new Set<Connection>();
  let draining = false;

  const refusal = (code: string, message: string, extra: Record<string, unknown> = {}) =>
    createGraphQLError(message, { extensions: { code, ...extra } });

  const graphqlWs = makeServer<Record<string, unknown> | undefined, Extra>({
    // A missing or bad credential, or one for an unknown or deactivated agent, is refused
    // here (4403), and the socket closes when the token expires, so the client reconnects
    // with a fresh one.
    onConnect: async (context) => {
      const { connection } = context.extra;
      connection.context = context;
      try {
        const viewer = await options.viewerOf(context.connectionParams);
        // Gone while we asked: arming its expiry timer now would keep it in memory until then.
        if (connection.socket.readyState !== connection.socket.OPEN) return false;
        connection.viewer = viewerLabel(viewer);
        if (viewer.expiresAt) closeAtExpiry(connection, viewer.expiresAt);
        return true;
      } catch (error) {
        const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
        const fields = { connectionId: connection.id, transport: 'ws', errorCodes: [code ?? 'INTERNAL_SERVER_ERROR'] };
        if (code === 'UNAUTHENTICATED') {
          logger.info('connection refused', fields);
          return false;
        }
        // Not the client's fault (database down or slow): ask it to come back, not to sign in again.
        logger.warn('connection refused', fields);
        connection.socket.close(CLOSE_TRY_AGAIN_LATER, 'Unavailable; retry shortly');
        // Already closing, so graphql-ws's own 4403 for `false` is never sent.
        return false;
      }
    },
    onSubscribe: async (context, _id, payload) => {
      const { connection } = context.extra;
      // Each operation is a request of its own: its own id, clock and log line.
      const request = new yoga.fetchAPI.Request(`http://localhost${options.path}`, { method: 'POST' });
      trackWebSocketOperation(request, connection.id);
      const refuse = (errors: readonly GraphQLError[]) => {
        logRefusedOperation(logger, options.metrics, request, errors, connection.viewer);
        return errors;
      };
      if (draining) return refuse([refusal('SHUTTING_DOWN', 'The server is shutting down; reconnect and retry.')]);
      // graphql-ws has already counted this one in.
      const running = Object.keys(context.subscriptions).length;
      if (running > options.maxOperationsPerConnection) {
        return refuse([
          refusal(
            'TOO_MANY_SUBSCRIPTIONS',
            `At most ${options.maxOperationsPerConnection} operations may run at once on one connection; complete one or open another connection.`,
            { maximum: options.maxOperationsPerConnection },
          ),
        ]);
      }
      let result: Answer['result'] | undefined;
      try {
        const run = async () =>
          yoga.getResultForParams(
            { params: payload as GraphQLParams, request },
            { req: context.extra.request, socket: connection.socket, connectionParams: context.connectionParams },
          );
        result = await (options.trace ? options.trace(run) : run());
      } catch (error) {
        // onParams hooks throw their refusals (trusted documents); anything unexpected is masked.
        if (!(error instanceof GraphQLError)) {
          logger.error('unexpected error', { requestId: requestIdOf(request), error });
        }
        return refuse(graphqlErrors([error]));
      }
      // No `data` at all: refused before execution (malformed, too big, unauthenticated, limits).
      if (!result || (!(Symbol.asyncIterator in result) && !('data' in result))) {
        return refuse(graphqlErrors(result?.errors ?? []));
      }
      return { schema, document: ANSWERED, rootValue: { result } satisfies Answer };
    },
    execute: (args) => (args.rootValue as Answer).result,
    subscribe: (args) => (args.rootValue as Answer).result,
    // `extensions.http` tells yoga which status to answer with; it means nothing on a socket.
    onNext: (_context, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map(withoutHttp) } : standInPayload(result),
    onError: (_context, _id, _payload, errors) => errors.map(withoutHttp),
  });

  const sockets = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
    handleProtocols,
  });
  // Errors of the HTTP server are re-emitted here; the HTTP side reports them.
  sockets.on('error', (error) => logger.debug('websocket server error', { error: error.message }));
  sockets.on('connection', (socket, request) => {
    const connection: Connection = { id: randomUUID(), socket };
    connections.add(connection);
    // A message over maxPayload lands here (ws closes with 1009 itself), as do broken sockets.
    socket.on('error', (error: Error & { code?: string }) =>
      logger.warn('websocket error', {
        connectionId: connection.id,
        viewer: connection.viewer,
        error: { code: error.code, message: error.message },
      }),
    );
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            const message = messageBytes(data);
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(message, { binary: false }, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              logger.error('websocket message failed', { connectionId: connection.id, error });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { connection, request },
    );
    const keepAlive = keepSocketAlive(socket, options.keepAliveMs);
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      clearTimeout(connection.expiry);
      connections.delete(connection);
      closed(code, String(reason)).catch((error: unknown) =>
        logger.error('websocket close handling failed', { connectionId: connection.id, error }),
      );
    });
  });

  return {
    async drain(timeoutMs) {
      draining = true;
      const deadline = performance.now() + timeoutMs;
      const busy = () =>
        [...connections].some(
          (connection) => connection.context && Object.keys(connection.context.subscriptions).length > 0,
        );
      // graphql-ws forgets an operation only after its last message is written, so
      // "none left" means every subscriber has its completion.
      while (busy() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async close(timeoutMs) {
      for (const { socket } of connections) socket.close(1001, 'Going away');
      const closedAll = new Promise<void>((resolve) => sockets.close(() => resolve()));
      // A client that never answers the close handshake must not hold shutdown up.
      const force = setTimeout(() => {
        for (const { socket } of connections) socket.terminate();
      }, timeoutMs);
      await closedAll;
      clearTimeout(force);
    },
  };
}

/** What graphql-ws sends as an `error` message: at least one GraphQLError, anything unexpected masked. */
function graphqlErrors(errors: readonly unknown[]): GraphQLError[] {
  const all = errors.length ? errors : [new Error('The operation produced neither data nor errors.')];
  return all.map((error) =>
    error instanceof GraphQLError ? error : (maskError(error, 'Unexpected error.', false) as GraphQLError),
  );
}

function closeAtExpiry(connection: Connection, expiresAt: Date): void {
  const remaining = expiresAt.getTime() - Date.now();
  if (remaining <= 0) {
    connection.socket.close(CloseCode.Forbidden, 'Token expired');
    return;
  }
  connection.expiry = setTimeout(() => closeAtExpiry(connection, expiresAt), Math.min(remaining, MAX_TIMER_MS));
  connection.expiry.unref();
}

/** Pings every `intervalMs`; a socket that has not answered by the next ping is dropped. */
function keepSocketAlive(socket: WebSocket, intervalMs: number): NodeJS.Timeout {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return timer;
}

function withoutHttp(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const formatted = error instanceof GraphQLError ? error.toJSON() : error;
  if (!formatted.extensions || !('http' in formatted.extensions)) return formatted;
  const { http: _http, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
