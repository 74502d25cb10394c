import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { notificationBody } from './avinode-shapes.js';
import type { AvinodeConfig } from './intake.config.js';
import { countRefusedDelivery } from './intake-metrics.js';
import { storeNotification } from './notification-store.js';

export const WEBHOOK_PATH = '/webhooks/avinode';
/** One subscription per event type may tag its target URL with `?event=<EventType>`. */
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

type ReceiverOptions = {
  prisma: PrismaClient;
  logger: Logger;
  config: AvinodeConfig;
  /** Called after a notification is stored (wakes this instance's worker). */
  onStored: () => void;
};

/**
 * POST /webhooks/avinode: checks Avinode's Basic credentials, stores the notification
 * as delivered and answers 200. Nothing is fetched or processed here, so the answer takes
 * one INSERT, whatever state Avinode's API is in. Off (404) unless both credentials are set.
 */
export function avinodeReceiverPlugin({ prisma, logger, config, onStored }: ReceiverOptions): Plugin {
  const webhook = config.webhook;
  const expected = webhook ? { id: digest(webhook.clientId), secret: digest(webhook.clientSecret) } : undefined;
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== WEBHOOK_PATH) return;
      const answer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
        if (status !== 200) countRefusedDelivery(status);
        endResponse(fetchAPI.Response.json(body, { status, headers }));
      };
      if (!webhook || !expected) return answer(404, { error: 'not found' });
      if (request.method !== 'POST') return answer(405, { error: 'use POST' }, { allow: 'POST' });
      if (!credentialsMatch(request.headers.get('authorization'), expected)) {
        return answer(401, { error: 'unauthorized' }, { 'www-authenticate': 'Basic realm="avinode", charset="UTF-8"' });
      }
      const event = url.searchParams.get('event') ?? undefined;
      if (event !== undefined && !EVENT_NAME.test(event))
        return answer(400, { error: 'event must be an event type name' });
      const text = await readLimited(request, webhook.maxBodyBytes);
      if (text === undefined) return answer(413, { error: `the body exceeds ${webhook.maxBodyBytes} bytes` });
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return answer(400, { error: 'the body is not JSON' });
      }
      const parsed = notificationBody.safeParse(raw);
      if (!parsed.success || typeof raw !== 'object' || Array.isArray(raw)) {
        return answer(400, { error: 'the body must be a JSON object { id, href, type, tripId? } of strings' });
      }
      let id: string;
      try {
        id = await storeNotification(prisma, {
          body: parsed.data,
          raw,
          event,
          retryForMs: config.retry.retryForMs,
        });
      } catch (error) {
        // Not stored, so not consumed: Avinode delivers it again later.
        logger.error('avinode notification could not be stored', { error: (error as Error).message });
        return answer(503, { error: 'try again later' }, { 'retry-after': '30' });
      }
      logger.info('avinode notification stored', { id, type: parsed.data.type, resourceId: parsed.data.id, event });
      onStored();
      return answer(200, { status: 'stored', id });
    },
  };
}

/** Compares hashes of equal length, every byte, both parts: no timing difference to learn from. */
function credentialsMatch(header: string | null, expected: { id: Buffer; secret: Buffer }): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const idMatches = timingSafeEqual(digest(decoded.slice(0, colon)), expected.id);
  const secretMatches = timingSafeEqual(digest(decoded.slice(colon + 1)), expected.secret);
  return idMatches && secretMatches;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is never read). */
async function readLimited(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
