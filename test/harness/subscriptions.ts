import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Real subscription clients: graphql-ws over a real socket and SSE over real HTTP.
 * Both collect every result, so tests can wait for the n-th and compare streams.
 */
export type Subscription<TData> = {
  results: ExecutionResult<TData>[];
  /** Resolves once `count` results have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<TData>[]>;
  /** Resolves when the server ends the stream. */
  completed: Promise<void>;
  close(): Promise<void>;
};

function collector<TData>() {
  const results: ExecutionResult<TData>[] = [];
  const waiters: Array<() => void> = [];
  let finish: () => void = () => {};
  const completed = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    results,
    completed,
    finish,
    add(result: ExecutionResult<TData>) {
      results.push(result);
      for (const wake of waiters.splice(0)) wake();
    },
    waitFor(count: number, timeoutMs = 10_000) {
      return new Promise<ExecutionResult<TData>[]>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`Timed out waiting for ${count} results; got ${results.length}: ${JSON.stringify(results)}`),
            ),
          timeoutMs,
        );
        const check = () => {
          if (results.length >= count) {
            clearTimeout(timer);
            resolve(results);
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
  };
}

export type WsConnection = { client: Client; closed: Promise<{ code: number; reason: string }> };

export function connectWs(url: string, token: string | undefined): WsConnection {
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClosed = resolve;
  });
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // Close codes are asserted through `closed`; graphql-ws would also print them.
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  client.on('error', () => {});
  return { client, closed };
}

export function subscribeWs<TData, TVariables>(
  connection: WsConnection,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Subscription<TData> {
  const collected = collector<TData>();
  const dispose = connection.client.subscribe<TData>(
    { query: print(document), variables: variables as Record<string, unknown> },
    {
      next: (result) => collected.add(result as ExecutionResult<TData>),
      error: (error) => {
        collected.add({
          errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }],
        } as ExecutionResult<TData>);
        collected.finish();
      },
      complete: () => collected.finish(),
    },
  );
  return {
    results: collected.results,
    waitFor: collected.waitFor,
    completed: collected.completed,
    close: async () => dispose(),
  };
}

/** Server-Sent Events, as yoga serves them for `Accept: text/event-stream`. */
export async function subscribeSse<TData, TVariables>(
  url: string,
  token: string | undefined,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<Subscription<TData> & { status: number; sawComplete(): boolean }> {
  const collected = collector<TData>();
  const abort = new AbortController();
  // `completed` also resolves when the stream merely drops; this tells a clean end apart.
  let sawComplete = false;
  const response = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  void (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let boundary = pending.indexOf('\n\n');
        while (boundary !== -1) {
          const message = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (message.includes('event: complete')) {
            sawComplete = true;
            collected.finish();
          } else if (data) collected.add(JSON.parse(data) as ExecutionResult<TData>);
          boundary = pending.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      collected.finish();
    }
  })();
  return {
    status: response.status,
    results: collected.results,
    waitFor: collected.waitFor,
    completed: collected.completed,
    sawComplete: () => sawComplete,
    close: async () => abort.abort(),
  };
}
