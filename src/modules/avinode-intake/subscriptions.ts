import { z } from 'zod';
import type { AvinodeClient } from './avinode-client.js';
import { parseShape } from './avinode-shapes.js';
import { WEBHOOK_PATH } from './receiver.js';

/**
 * Avinode webhook subscriptions (AVINODE.md §1): one per event type a broker needs, each
 * with its own target URL (`?event=<type>`, so the receiver knows which it was), Basic
 * credentials, and created or updated in place so running it twice changes nothing.
 */
export const BROKER_EVENT_TYPES = ['TripRequestSellerResponse', 'TripChatFromSeller'] as const;

const setting = z.object({
  id: z.string().min(1),
  targetURI: z.string().optional(),
  displayName: z.string().optional(),
  active: z.boolean().optional(),
  eventTypes: z.array(z.string()).optional(),
});
export type WebhookSetting = z.output<typeof setting>;

export async function listSubscriptions(client: AvinodeClient): Promise<WebhookSetting[]> {
  const data = await client.get(client.urlFor('webhooks/settings'));
  return parseShape(z.array(setting), data ?? [], 'the webhook settings');
}

/** The receiver's public URL: as given, or the server's origin with /webhooks/avinode added. */
export function receiverUrl(publicUrl: string): URL {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('the public URL must be http(s)');
  if (url.pathname === '/' || url.pathname === '') url.pathname = WEBHOOK_PATH;
  url.search = '';
  return url;
}

export async function registerSubscriptions(
  client: AvinodeClient,
  options: { publicUrl: string; clientId: string; clientSecret: string },
): Promise<Array<{ eventType: string; id: string; action: 'created' | 'updated' }>> {
  const base = receiverUrl(options.publicUrl);
  const existing = await listSubscriptions(client);
  const results = [];
  for (const eventType of BROKER_EVENT_TYPES) {
    const target = new URL(base);
    target.searchParams.set('event', eventType);
    const body = {
      targetURI: target.toString(),
      displayName: `Chat sessions: ${eventType}`,
      active: true,
      clientIdentifier: options.clientId,
      clientSecret: options.clientSecret,
      clientAuthenticationType: 'BASIC',
      eventTypes: [eventType],
    };
    // Ours: the same target, or (after the public URL moved) the same display name.
    const known = existing.find(
      (candidate) => candidate.targetURI === body.targetURI || candidate.displayName === body.displayName,
    );
    const saved = known
      ? await client.send('PUT', client.urlFor(`webhooks/settings/${known.id}`), body)
      : await client.send('POST', client.urlFor('webhooks/settings'), body);
    const { id } = parseShape(setting, saved, 'the saved webhook setting');
    results.push({ eventType, id, action: known ? ('updated' as const) : ('created' as const) });
  }
  return results;
}
