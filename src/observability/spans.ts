import {
  type Attributes,
  context,
  createContextKey,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * Spans from anywhere in the code, with only the OpenTelemetry API loaded: the tracer
 * travels in the request's context (tracing.ts puts it there), so code deep down needs
 * no tracer handed to it, and untraced work pays one context look-up.
 */
export const TRACER = createContextKey('chat-session-graph tracer');

/** The tracer of the request being served, when its app traces. */
export function activeTracer(): Tracer | undefined {
  return context.active().getValue(TRACER) as Tracer | undefined;
}

/** Runs `work` in a child span of the current one, when the current request is traced. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span | undefined) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work(undefined);
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Marks a span failed by the error's kind only: messages can carry row contents
 * (PostgreSQL describes the failing row), which must not leave in a trace.
 */
export function failed(span: Span, error: unknown): void {
  const kind = (error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'Error';
  span.setAttribute(ATTR_ERROR_TYPE, String(kind));
  span.setStatus({ code: SpanStatusCode.ERROR });
}
