import { type DocumentNode, parse } from 'graphql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { describe, expect } from 'vitest';
import type { DemoServer } from './harness/demo.js';
import { it } from './harness/fixtures.js';
import { startTestServer } from './harness/server.js';
import { subscribeSse } from './harness/subscriptions.js';

/**
 * GraphiQL over plain HTTP (test/graphiql-browser.test.ts drives it in a browser): a small page,
 * assets from the installed bundle under one cached path, and example tabs that each return data
 * on the demo data, as written, with the headers they carry.
 */

async function page(demo: DemoServer): Promise<{ html: string; options: GraphiQLOptions }> {
  const response = await fetch(demo.server.url, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  const html = await response.text();
  const json = /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(html)?.[1];
  expect(json, html).toBeDefined();
  return { html, options: JSON.parse(json as string) as GraphiQLOptions };
}

type Tab = { query: string; variables?: string | null; headers?: string | null };

const operationName = (tab: { query: string | null }) =>
  /^(?:query|subscription|mutation) (\w+)/m.exec(tab.query ?? '')?.[1];

function tabNamed(options: GraphiQLOptions, name: string): Tab {
  const tab = options.defaultTabs?.find((candidate) => operationName(candidate) === name);
  expect(tab, `a ${name} tab`).toBeDefined();
  return tab as Tab;
}

/** The tab as GraphiQL sends it: its query, its variables, its headers. */
async function run(demo: DemoServer, tab: Tab) {
  const response = await fetch(demo.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(JSON.parse(tab.headers ?? '{}') as Record<string, string>) },
    body: JSON.stringify({ query: tab.query, variables: JSON.parse(tab.variables ?? '{}') }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('GraphiQL', () => {
  it('is a small page with the development token and four example tabs', async ({ demo }) => {
    const { html, options } = await page(demo);
    expect(html.length).toBeLessThan(50_000);
    expect(JSON.parse(options.headers ?? '{}')).toEqual({ Authorization: `Bearer ${demo.token}` });
    expect(options.subscriptionsProtocol).toBe('SSE');
    const names = options.defaultTabs?.map(operationName);
    expect(names).toEqual(['Dashboard', 'SessionGraph', 'ActivityFeed', 'RecordMessage']);
    for (const tab of options.defaultTabs ?? []) expect(tab.headers).toBe(options.headers);
  });

  it('serves its assets from one content-hashed path, cached for good and gzipped', async ({ demo }) => {
    const { html } = await page(demo);
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(referenced.length).toBeGreaterThanOrEqual(3);
    const base = /^\/graphiql\/[0-9a-f]{16}\//.exec(referenced[0] as string)?.[0] as string;
    expect(base).toBeDefined();
    const script = await fetch(new URL(`${base}graphiql.js`, demo.server.origin));
    const source = await script.text();
    // The editor's workers are files beside the script, never blobs or another origin.
    const workers = ['editor.worker.js', 'json.worker.js', 'graphql.worker.js'];
    for (const worker of workers) expect(source).toContain(`'${worker}'`);
    for (const path of [...referenced, ...workers.map((worker) => `${base}${worker}`)]) {
      expect(path.startsWith(base), path).toBe(true);
      const response = await fetch(new URL(path, demo.server.origin), { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-encoding')).toBe('gzip');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await fetch(new URL(`${base}nothing.js`, demo.server.origin))).status).toBe(404);
    expect((await fetch(new URL('/graphiql/0000000000000000/graphiql.js', demo.server.origin))).status).toBe(404);
  });

  it('opens with a Dashboard and a SessionGraph that return data on the demo data', async ({ demo }) => {
    const { options } = await page(demo);
    const dashboard = await run(demo, tabNamed(options, 'Dashboard'));
    expect(dashboard.errors).toBeUndefined();
    const sessions = dashboard.data?.['sessions'] as { totalCount: number; edges: { node: { quotes: unknown } }[] };
    expect(sessions.totalCount).toBeGreaterThan(0);
    expect(sessions.edges.length).toBe(sessions.totalCount);

    const graph = await run(demo, tabNamed(options, 'SessionGraph'));
    expect(graph.errors).toBeUndefined();
    const session = graph.data?.['session'] as {
      status: string;
      request: unknown;
      quotes: { totalCount: number };
      conversation: { messages: { edges: unknown[] } };
    };
    expect(['ACTIVE', 'PAUSED']).toContain(session.status);
    expect(session.request).not.toBeNull();
    expect(session.quotes.totalCount).toBeGreaterThan(0);
    expect(session.conversation.messages.edges.length).toBeGreaterThan(0);
  });

  it('opens with an ActivityFeed that shows the event of its RecordMessage tab', async ({ demo }) => {
    const { options } = await page(demo);
    const feed = tabNamed(options, 'ActivityFeed');
    const { Authorization } = JSON.parse(feed.headers ?? '{}') as { Authorization: string };
    const subscription = await subscribeSse(
      demo.server.url,
      Authorization.replace(/^Bearer /, ''),
      parse(feed.query) as DocumentNode,
      {},
    );
    try {
      expect(subscription.status).toBe(200);
      await expect.poll(() => demo.server.app.events.subscriberCount).toBe(1);
      const recordMessage = tabNamed(options, 'RecordMessage');
      const recorded = await run(demo, recordMessage);
      expect(recorded.errors).toBeUndefined();
      expect(recorded.data?.['recordMessage']).toMatchObject({ created: true });
      const [event] = await subscription.waitFor(1);
      const { sessionId } = JSON.parse(recordMessage.variables ?? '{}') as { sessionId: string };
      expect(event?.data).toMatchObject({ activityFeed: { type: 'MESSAGE_RECORDED', session: { id: sessionId } } });
    } finally {
      await subscription.close();
    }
  });

  it('is not served, nor its assets, when GRAPHIQL=off', async ({ demo }) => {
    const { html } = await page(demo);
    const asset = /src="([^"]+)"/.exec(html)?.[1] as string;
    const off = await startTestServer(demo.database, { GRAPHIQL: 'off' });
    try {
      const response = await fetch(off.url, { headers: { accept: 'text/html' } });
      expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
      expect((await fetch(new URL(asset, off.origin))).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
