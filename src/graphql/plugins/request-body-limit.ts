import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * MAX_BODY_BYTES for GraphQL requests, in place of yoga's `maxRequestBodySize`.
 *
 * Yoga's limit pipes every body through a counting TransformStream and rebuilds the
 * Request around it, even when the body declares its length: in receiveQuote's profile
 * that wrapping (the pipe, the rebuilt Request, the AbortError Node's pipeline makes as
 * it finishes) cost about 4 % of the server's CPU per mutation. A body with a valid
 * Content-Length needs no counting: Node's HTTP parser hands the handler exactly that
 * many bytes, so the header is checked and the body read as it is. Only a body without
 * one (chunked) is counted as it streams, and refused once it passes the limit.
 */
export function requestBodyLimitPlugin(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // One non-negative integer; anything else (a list, a sign) is a smuggling attempt.
        if (!/^\d+$/.test(declared)) throw invalidContentLength();
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((original) => parse(withCountedBody(original, limit, fetchAPI)));
    },
  };
}

/** The request, its body refused with REQUEST_ENTITY_TOO_LARGE once more than `limit` bytes have come. */
function withCountedBody(
  request: Request,
  limit: number,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
): Request {
  const body = request.body as ReadableStream<Uint8Array>;
  // A native body needs the native TransformStream; whatwg-node's ponyfill pipes only into its own.
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let received = 0;
  const counted = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted,
    // @ts-expect-error Node's fetch needs it for a streamed body; the DOM types lack it.
    duplex: 'half',
  });
}

function tooLarge() {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

function invalidContentLength() {
  return createGraphQLError('Content-Length header is invalid.', {
    extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
  });
}
