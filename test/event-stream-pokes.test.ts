import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { pause } from './harness/services.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import { as, globalId, RecordMessage } from './harness/workflow.js';

/**
 * A poke on the pub/sub channel says "something was committed", nothing more: the event
 * stream learns what from its database. Anyone can publish on the channel (another
 * deployment sharing the Redis, an instance on another database), so a poke that names an
 * id far ahead of this database's log must not move where the stream reads from, or the
 * events after it would never reach a subscriber.
 */
const redisUrl = process.env['TEST_REDIS_URL'];
const CHANNEL = 'session-events:committed';

const Feed = graphql(`
  subscription PokesFeed {
    activityFeed { id type }
  }
`);

const it = base.extend('serverOptions', { scope: 'file' }, { environment: { REDIS_URL: redisUrl } });

describe.runIf(redisUrl)('a poke from elsewhere on the channel', () => {
  it('naming an id far ahead of the log costs no event to a subscriber that joins afterwards', async ({
    database,
    server,
    agent,
    token,
    integration,
  }) => {
    const { session } = await createSessionGraph(database.prisma, agent, { messages: 0 });
    // Nobody is subscribed on the server: the moment a stream would be tempted to skip ahead.
    const stranger = new Redis(redisUrl as string);
    try {
      await stranger.publish(CHANNEL, JSON.stringify({ lastEventId: '900000000000' }));
    } finally {
      stranger.disconnect();
    }
    await pause(300);

    const connection = connectWs(server.url, token);
    const feed = subscribeWs(connection, Feed, {});
    try {
      const say = async () =>
        as(
          (
            await integration(RecordMessage, {
              input: { sessionId: globalId('ChatSession', session.id), senderType: 'AGENT', content: 'after the poke' },
            })
          ).recordMessage,
          'RecordMessagePayload',
        );
      // Said until the feed is attached; every event after that reaches it.
      for (let attempt = 0; feed.results.length === 0 && attempt < 30; attempt++) {
        await say();
        await pause(100);
      }
      expect(feed.results.map((result) => result.data?.activityFeed.type)[0]).toBe('MESSAGE_RECORDED');
    } finally {
      await feed.close();
      await connection.client.dispose();
    }
  });
});
