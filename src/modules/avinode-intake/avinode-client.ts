import type { AvinodeApiConfig } from './intake.config.js';

/**
 * GETs from Avinode's REST API (AVINODE.md §4): the headers it asks for, a timeout, the
 * `{ meta, data }` envelope unwrapped, and every failure sorted by what the worker
 * should do about it. Only URLs under the configured API URL are ever fetched: a
 * notification's href is untrusted input.
 */
export type AvinodeFailureKind =
  /** Network error, timeout, 429 or 5xx: try again later. */
  | 'unavailable'
  /** 401/403: the credentials are wrong or revoked; retrying every notification would not help. */
  | 'unauthorized'
  /** 404, or an envelope naming NOT_FOUND. */
  | 'not-found'
  /** Not JSON, or not the envelope: kept with the reason. */
  | 'unparseable'
  /** Another 4xx, or errors in the envelope: Avinode refused the request itself. */
  | 'refused'
  /** The URL is not on the configured API origin: nothing was fetched. */
  | 'foreign-url'
  /** The worker is stopping and aborted the call. */
  | 'aborted';

export class AvinodeApiError extends Error {
  override name = 'AvinodeApiError';
  constructor(
    readonly kind: AvinodeFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type AvinodeClient = {
  /** The API URL every fetched URL must start with, e.g. https://sandbox.avinode.com/api. */
  baseUrl: string;
  /** `${baseUrl}/${path}`. */
  urlFor(path: string): string;
  isOwnUrl(href: string): boolean;
  /** The envelope's `data`; throws AvinodeApiError. */
  get(href: string, signal?: AbortSignal): Promise<unknown>;
  /** For the subscription script: a JSON body, the envelope's `data` back. */
  send(method: 'POST' | 'PUT', href: string, body: unknown): Promise<unknown>;
};

export function createAvinodeClient(config: AvinodeApiConfig): AvinodeClient {
  const base = new URL(`${config.url}/`);
  const isOwnUrl = (href: string) => {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return false;
    }
    // The parsed URL has its dot segments resolved, so `/api/../admin` cannot slip through.
    return url.origin === base.origin && !url.username && !url.password && url.pathname.startsWith(base.pathname);
  };
  const call = async (method: string, href: string, body: unknown, signal?: AbortSignal) => {
    if (!isOwnUrl(href))
      throw new AvinodeApiError('foreign-url', `refused to fetch ${href.slice(0, 200)}: not under ${config.url}`);
    const timeout = AbortSignal.timeout(config.timeoutMs);
    let response: Response;
    try {
      response = await fetch(href, {
        method,
        headers: headersFor(config, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'error',
      });
    } catch (error) {
      if (signal?.aborted) throw new AvinodeApiError('aborted', 'the worker is stopping');
      const reason = timeout.aborted ? `no answer within ${config.timeoutMs} ms` : (error as Error).message;
      throw new AvinodeApiError('unavailable', `${method} ${href}: ${reason}`);
    }
    return unwrap(method, href, response);
  };
  return {
    baseUrl: config.url,
    urlFor: (path) => new URL(path.replace(/^\/+/, ''), base).toString(),
    isOwnUrl,
    get: (href, signal) => call('GET', href, undefined, signal),
    send: (method, href, body) => call(method, href, body),
  };
}

function headersFor(config: AvinodeApiConfig, hasBody: boolean): Record<string, string> {
  return {
    accept: 'application/json',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    authorization: `Bearer ${config.bearerToken}`,
    'x-avinode-apitoken': config.apiToken,
    'x-avinode-senttimestamp': new Date().toISOString(),
    'x-avinode-product': config.product,
    'x-avinode-apiversion': 'v1.0',
    ...(config.actAsAccount ? { 'x-avinode-actasaccount': config.actAsAccount } : {}),
  };
}

async function unwrap(method: string, href: string, response: Response): Promise<unknown> {
  const where = `${method} ${href} answered ${response.status}`;
  if (response.status === 401 || response.status === 403)
    throw new AvinodeApiError('unauthorized', where, response.status);
  if (response.status === 429 || response.status >= 500)
    throw new AvinodeApiError('unavailable', where, response.status);
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new AvinodeApiError('unavailable', `${where}; the body broke off: ${(error as Error).message}`);
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    if (response.status === 404) throw new AvinodeApiError('not-found', where, 404);
    throw new AvinodeApiError('unparseable', `${where} with a body that is not JSON: ${text.slice(0, 120)}`);
  }
  const errors = envelopeErrors(envelope);
  if (response.status === 404 || errors.some((error) => error.code === 'NOT_FOUND'))
    throw new AvinodeApiError('not-found', where, 404);
  if (response.status >= 400 || errors.length > 0) {
    const titles = errors.map((error) => error.title ?? error.code ?? '?').join('; ');
    throw new AvinodeApiError('refused', `${where}${titles ? `: ${titles}` : ''}`, response.status);
  }
  if (typeof envelope !== 'object' || envelope === null || !('data' in envelope))
    throw new AvinodeApiError('unparseable', `${where} without the { meta, data } envelope`);
  return envelope.data;
}

function envelopeErrors(envelope: unknown): Array<{ title?: string; code?: string }> {
  const errors = (envelope as { meta?: { errors?: unknown } } | null)?.meta?.errors;
  return Array.isArray(errors) ? errors.filter((error) => typeof error === 'object' && error !== null) : [];
}
