/**
 * The read-path benchmark's load generator: N keep-alive connections, each sending its next
 * request as soon as the previous answer has been read, for a fixed time. It runs in the
 * benchmark's own process, apart from both servers, so it never takes their event loop.
 */
import { Agent, request } from 'node:http';

export type LoadRequest = { path: string; headers: Record<string, string>; body: string };

export type RoundResult = {
  requests: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  /** Milliseconds, sorted ascending. */
  latencies: Float64Array;
};

function send(agent: Agent, origin: URL, next: LoadRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: 'POST',
        path: next.path,
        headers: { ...next.headers, 'content-length': Buffer.byteLength(next.body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(next.body);
  });
}

/** Sends the same request once and returns the parsed answer (for the equality check). */
export async function fetchOnce(origin: string, next: LoadRequest): Promise<{ status: number; json: unknown }> {
  const agent = new Agent({ keepAlive: false });
  const answer = await send(agent, new URL(origin), next);
  agent.destroy();
  return { status: answer.status, json: JSON.parse(answer.body) };
}

export async function runRound(options: {
  origin: string;
  connections: number;
  durationMs: number;
  /** The i-th request of the round; the benchmark rotates agents and sessions with it. */
  requestAt: (index: number) => LoadRequest;
}): Promise<RoundResult> {
  const origin = new URL(options.origin);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const endAt = started + options.durationMs;
  const connection = async () => {
    while (performance.now() < endAt) {
      const sent = performance.now();
      try {
        const answer = await send(agent, origin, options.requestAt(issued++));
        // A GraphQL error is a failed request even with HTTP 200.
        if (answer.status !== 200 || answer.body.startsWith('{"errors"') || answer.body.includes('"errors":[')) {
          errors++;
          firstError ??= `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
        }
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, firstError, seconds, latencies: Float64Array.from(latencies).sort() };
}

export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}
