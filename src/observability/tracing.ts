import type { RequestListener } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import { TRACER, withSpan } from './spans.js';

/**
 * OpenTelemetry tracing for one app instance. Each app has its own provider (never the
 * global one), and the request's context carries that app's tracer, so deeper code
 * (the workflow transaction, SQL) opens spans with `withSpan` without being handed a
 * tracer, and several apps in one process trace apart. With tracing off nothing here
 * runs: no provider, no context manager, and `withSpan` is one context look-up.
 */
export type Tracing = {
  tracer: Tracer;
  /** The HTTP server's handler, with a server span around each request. */
  traceHttp(handler: RequestListener): RequestListener;
  /** Runs `work` in a root span of its own (for work that no HTTP request carries: WebSocket operations). */
  inRootSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T>;
  /** Ends the provider, exporting what is still buffered. */
  shutdown(): Promise<void>;
};

const INSTRUMENTATION_NAME = 'chat-session-graph';
/** Routes named in span names; anything else is named by its method only (paths are client-chosen). */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/api/chat-sessions', '/api/openapi.json']);

/**
 * Tracing as configured (OTLP/HTTP, batched), or with `exporter` (tests: an in-memory
 * exporter, spans exported as they end); undefined when neither asks for it.
 */
export function createTracing(config: TracingConfig | undefined, exporter?: SpanExporter): Tracing | undefined {
  if (!config && !exporter) return undefined;
  useAsyncContext();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config?.serviceName ?? 'chat-session-graph' }),
    spanProcessors: [
      exporter
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: config?.tracesUrl, headers: config?.headers }),
          }),
    ],
  });
  const tracer = provider.getTracer(INSTRUMENTATION_NAME);
  return {
    tracer,
    traceHttp: (handler) => (request, response) => {
      const parent = remoteParent(request.headers.traceparent) ?? ROOT_CONTEXT;
      const method = request.method ?? 'GET';
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const route = ROUTES.has(path) ? path : undefined;
      const span = tracer.startSpan(
        route ? `${method} ${route}` : method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: method,
            [ATTR_URL_PATH]: path.slice(0, 200),
            ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
            ...(request.headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'] } : {}),
          },
        },
        parent,
      );
      // `close` also comes when the client goes away mid-response (an SSE stream closed).
      response.once('close', () => {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span).setValue(TRACER, tracer), () => handler(request, response));
    },
    inRootSpan: (name, attributes, work) =>
      context.with(ROOT_CONTEXT.setValue(TRACER, tracer), () => withSpan(name, attributes, work, SpanKind.SERVER)),
    shutdown: () => provider.shutdown(),
  };
}

/** `traceparent` (W3C Trace Context): the caller's span becomes this request's parent. */
function remoteParent(header: string | string[] | undefined): Context | undefined {
  const match = typeof header === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header) : null;
  if (!match || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & 1,
    isRemote: true,
  });
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Spans follow async work only with a context manager; one per process, installed on first use. */
function useAsyncContext(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}
