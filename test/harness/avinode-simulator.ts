import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Avinode's REST API as AVINODE.md describes it, on a loopback port: trip messages,
 * quotes, RFQs, trips and webhook settings in `{ meta, data }` envelopes, behind the
 * Bearer + X-Avinode-ApiToken headers. Switches play its bad days: down (503), slow,
 * refusing the token (401), malformed (not JSON) and unknown-shaped bodies.
 */
export type SimulatorMode = 'ok' | 'down' | 'unauthorized' | 'malformed' | 'unknown-shape';

export type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: unknown };

export type SellerResponse = {
  messageId: string;
  quoteId: string;
  rfqId: string;
  tripCode?: string;
  price?: number;
  currency?: string;
  company?: { id: string; displayName: string };
  aircraftType?: string;
  tail?: string;
  maxPax?: number;
  validUntil?: string;
  /** Include tripId in the notification body (RFQ notifications carry it; message ones may not). */
};

export type AvinodeSimulator = {
  /** http://127.0.0.1:<port>/api: what AVINODE_API_URL is set to. */
  url: string;
  origin: string;
  token: string;
  mode: SimulatorMode;
  /** Every answer waits this long first. */
  delayMs: number;
  requests: RecordedRequest[];
  /** Resources served, by path below /api (e.g. `tripmsgs/asellermsg-1`). */
  resources: Map<string, unknown>;
  webhookSettings: Map<string, Record<string, unknown>>;
  href(path: string): string;
  /** A seller's quote: serves GET /tripmsgs/{id} and GET /quotes/{id}; answers the notification body. */
  sellerQuote(response: SellerResponse): { id: string; href: string; type: 'tripmsgs' };
  /** A seller's decline (no sellerQuote, lift Declined). */
  sellerDecline(response: {
    messageId: string;
    rfqId: string;
    company?: { id: string; displayName: string };
    text?: string;
  }): {
    id: string;
    href: string;
    type: 'tripmsgs';
  };
  /** An operator's chat message. */
  sellerChat(message: { messageId: string; rfqId: string; text: string; tripCode?: string }): {
    id: string;
    href: string;
    type: 'tripmsgs';
  };
  /** GET /trips/{id} → { id, tripId }. */
  trip(avinodeTripId: string, tripCode: string): void;
  /** Requests to paths under /api, other than webhook settings. */
  fetches(): RecordedRequest[];
  close(): Promise<void>;
};

const DEFAULT_COMPANY = { id: '14013', displayName: 'Sandbox Dev Operator' };

export async function startAvinodeSimulator(options: { token?: string } = {}): Promise<AvinodeSimulator> {
  const token = options.token ?? 'simulator-api-token';
  let server: Server | undefined;
  let nextSetting = 1583;
  const simulator: AvinodeSimulator = {
    url: '',
    origin: '',
    token,
    mode: 'ok',
    delayMs: 0,
    requests: [],
    resources: new Map(),
    webhookSettings: new Map(),
    href: (path) => `${simulator.url}/${path}`,
    sellerQuote(response) {
      const company = response.company ?? DEFAULT_COMPANY;
      const aircraftType = response.aircraftType ?? 'Falcon 7X';
      const price = { price: response.price ?? 147_350, currency: response.currency ?? 'USD' };
      simulator.resources.set(`quotes/${response.quoteId}`, {
        id: response.quoteId,
        sellerPrice: price,
        lift: {
          aircraftType,
          aircraftTail: response.tail ?? 'SBX-9003',
          aircraftCategory: 'Heavy jet',
          maxPax: response.maxPax ?? 14,
        },
        sellerCompany: company,
        sellerMessage: 'This price is subject to availability at time of booking.',
        createdOn: '2026-03-02T15:04:11Z',
        validUntil: response.validUntil ?? '2026-03-05T15:04:11Z',
      });
      simulator.resources.set(`tripmsgs/${response.messageId}`, {
        id: response.messageId,
        type: 'tripmsgs',
        ...(response.tripCode ? { tripId: response.tripCode } : {}),
        message: 'We are pleased to give you the following offer.',
        createdOn: '2026-03-02T15:04:11Z',
        sellerCompany: { ...company, contactInfo: { emails: ['ops@operator.example'], phone: '+1 555 0100' } },
        sellerQuote: { id: response.quoteId, sellerPrice: price },
        lift: [
          {
            id: 'asellerlift-159203212',
            aircraftType,
            aircraftCategory: 'Heavy jet',
            sourcingDisplayStatus: 'Accepted',
            links: {
              quotes: [{ id: response.quoteId, href: simulator.href(`quotes/${response.quoteId}`), type: 'quotes' }],
            },
          },
        ],
        links: { rfqs: [{ id: response.rfqId, href: simulator.href(`rfqs/${response.rfqId}`), type: 'rfqs' }] },
      });
      return { id: response.messageId, href: simulator.href(`tripmsgs/${response.messageId}`), type: 'tripmsgs' };
    },
    sellerDecline(response) {
      simulator.resources.set(`tripmsgs/${response.messageId}`, {
        id: response.messageId,
        type: 'tripmsgs',
        message: response.text ?? 'Unfortunately we cannot offer this trip.',
        createdOn: '2026-03-02T15:10:00Z',
        sellerCompany: response.company ?? DEFAULT_COMPANY,
        lift: [{ id: 'asellerlift-159203299', aircraftType: 'Global 6000', sourcingDisplayStatus: 'Declined' }],
        links: { rfqs: [{ id: response.rfqId, href: simulator.href(`rfqs/${response.rfqId}`), type: 'rfqs' }] },
      });
      return { id: response.messageId, href: simulator.href(`tripmsgs/${response.messageId}`), type: 'tripmsgs' };
    },
    sellerChat(message) {
      simulator.resources.set(`tripmsgs/${message.messageId}`, {
        id: message.messageId,
        type: 'tripmsgs',
        ...(message.tripCode ? { tripId: message.tripCode } : {}),
        message: message.text,
        createdOn: '2026-03-02T16:40:02Z',
        sellerCompany: DEFAULT_COMPANY,
        links: { rfqs: [{ id: message.rfqId, href: simulator.href(`rfqs/${message.rfqId}`), type: 'rfqs' }] },
      });
      return { id: message.messageId, href: simulator.href(`tripmsgs/${message.messageId}`), type: 'tripmsgs' };
    },
    trip(avinodeTripId, tripCode) {
      simulator.resources.set(`trips/${avinodeTripId}`, { id: avinodeTripId, tripId: tripCode });
    },
    fetches: () => simulator.requests.filter((request) => !request.path.startsWith('/api/webhooks/')),
    close: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
  };

  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', 'http://simulator').pathname;
    const body = text ? safeJson(text) : undefined;
    simulator.requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
    if (simulator.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, simulator.delayMs));
    const send = (status: number, payload: unknown) => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const envelope = (data: unknown) => ({ meta: { errors: [], warnings: [], infos: [] }, data });
    const failure = (title: string, code: string) => ({ meta: { errors: [{ title, code }], warnings: [], infos: [] } });

    if (simulator.mode === 'down') return send(503, failure('Service unavailable', 'UNAVAILABLE'));
    const authorized =
      request.headers.authorization === `Bearer ${token}` && request.headers['x-avinode-apitoken'] === token;
    if (simulator.mode === 'unauthorized' || !authorized) return send(401, failure('Unauthorized', 'UNAUTHORIZED'));
    if (simulator.mode === 'malformed') return send(200, '<html>Gateway says hello</html>');
    if (simulator.mode === 'unknown-shape') return send(200, envelope({ something: 'else', entirely: [1, 2, 3] }));
    if (!path.startsWith('/api/')) return send(404, failure('Not found', 'NOT_FOUND'));
    const key = path.slice('/api/'.length);

    if (key === 'webhooks/settings') {
      if (request.method === 'GET') return send(200, envelope([...simulator.webhookSettings.values()]));
      if (request.method === 'POST') {
        const id = `whs-${nextSetting++}`;
        const setting = { ...(body as Record<string, unknown>), id };
        simulator.webhookSettings.set(id, setting);
        return send(200, envelope(setting));
      }
    }
    const settingId = /^webhooks\/settings\/(whs-\d+)$/.exec(key)?.[1];
    if (settingId && request.method === 'PUT') {
      const known = simulator.webhookSettings.get(settingId);
      if (!known) return send(404, failure('Not found', 'NOT_FOUND'));
      const setting = { ...known, ...(body as Record<string, unknown>), id: settingId };
      simulator.webhookSettings.set(settingId, setting);
      return send(200, envelope(setting));
    }
    const resource = request.method === 'GET' ? simulator.resources.get(key) : undefined;
    if (resource === undefined) return send(404, failure('Not found', 'NOT_FOUND'));
    return send(200, envelope(resource));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  simulator.origin = `http://127.0.0.1:${port}`;
  simulator.url = `${simulator.origin}/api`;
  return simulator;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Environment for a server whose intake talks to this simulator, with test-speed retries. */
export function intakeEnvironment(
  simulator: AvinodeSimulator,
  credentials: { clientId: string; clientSecret: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    AVINODE_WEBHOOK_CLIENT_ID: credentials.clientId,
    AVINODE_WEBHOOK_CLIENT_SECRET: credentials.clientSecret,
    AVINODE_API_URL: simulator.url,
    AVINODE_API_TOKEN: simulator.token,
    AVINODE_WORKER_POLL_MS: '50',
    AVINODE_RETRY_BASE_MS: '50',
    AVINODE_RETRY_MAX_DELAY_MS: '200',
    AVINODE_AUTH_PAUSE_MS: '300',
    AVINODE_FETCH_TIMEOUT_MS: '2000',
    ...overrides,
  };
}

/** POSTs a notification as Avinode does, with Basic credentials; answers the status and body. */
export async function deliver(
  origin: string,
  body: unknown,
  credentials: { clientId: string; clientSecret: string } | undefined,
  options: { event?: string; rawBody?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const query = options.event ? `?event=${encodeURIComponent(options.event)}` : '';
  const response = await fetch(`${origin}/webhooks/avinode${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credentials
        ? {
            authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
          }
        : {}),
    },
    body: options.rawBody ?? JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (safeJson(text) ?? {}) as Record<string, unknown>,
    headers: response.headers,
  };
}
