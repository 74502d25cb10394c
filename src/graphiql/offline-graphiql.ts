import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL served from the installed `@graphql-yoga/render-graphiql` bundle, so it works on a
 * machine without internet. yoga's own page loads everything from a CDN, and the package's page
 * inlines 9 MB of script into every response; here the page is a few kilobytes and the bundle,
 * its styles and the editor's workers are static files under one content-hashed path, cached by
 * the browser for good and sent gzipped. Fonts and icons are data URIs inside the stylesheet.
 */

/** Where the assets live; the hash of their contents follows, so a new bundle gets new URLs. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

type Asset = { type: string; body: Buffer; gzipped?: Promise<Buffer> };
type Assets = { base: string; files: Map<string, Asset> };

const gzipAsync = promisify(gzip);
let loading: Promise<Assets> | undefined;

/** Loaded on first use: a server with GraphiQL off never reads the bundle. */
function assets(): Promise<Assets> {
  loading ??= (async () => {
    const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
    const javascript = 'application/javascript; charset=utf-8';
    const entries: [string, string, string | Buffer][] = [
      // Monaco asks for its workers by label; they are files beside this script.
      [
        'graphiql.js',
        javascript,
        `(() => {
  const here = document.currentScript.src;
  const workers = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => new URL(workers[label], here).href };
})();
${bundle.js};
YogaGraphiQL.renderYogaGraphiQL(
  document.getElementById('root'),
  JSON.parse(document.getElementById('graphiql-options').textContent),
);
`,
      ],
      ['graphiql.css', 'text/css; charset=utf-8', bundle.css],
      ['editor.worker.js', javascript, bundle.editorWorkerService],
      ['json.worker.js', javascript, bundle.jsonWorker],
      ['graphql.worker.js', javascript, bundle.graphqlWorker],
      ['favicon.ico', 'image/x-icon', Buffer.from(bundle.favicon.replace(/^data:[^,]*;base64,/, ''), 'base64')],
    ];
    const hash = createHash('sha256');
    const files = new Map<string, Asset>();
    for (const [name, type, content] of entries) {
      const body = Buffer.from(content);
      hash.update(name).update(body);
      files.set(name, { type, body });
    }
    return { base: `${GRAPHIQL_ASSETS_PATH}${hash.digest('hex').slice(0, 16)}/`, files };
  })();
  return loading;
}

/** yoga's `renderGraphiQL`: a small page that loads the cached assets and hands GraphiQL its options. */
export async function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { base } = await assets();
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${base}favicon.ico" />
    <link rel="stylesheet" href="${base}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${jsonInScript({ favicon: `${base}favicon.ico`, ...options })}</script>
    <script src="${base}graphiql.js"></script>
  </body>
</html>
`;
}

/** Serves the assets under their hashed path; anything else under it is a 404. */
export function offlineGraphiQLAssetsPlugin(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const { base, files } = await assets();
      const asset = url.pathname.startsWith(base) ? files.get(url.pathname.slice(base.length)) : undefined;
      if (!asset || request.method !== 'GET') {
        endResponse(new fetchAPI.Response('Not found', { status: 404 }));
        return;
      }
      const headers: Record<string, string> = {
        'content-type': asset.type,
        // The path changes with the contents, so a copy never goes stale.
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        vary: 'accept-encoding',
      };
      let body = asset.body;
      if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
        // Compressed once, off the event loop, on first request.
        asset.gzipped ??= gzipAsync(asset.body);
        body = await asset.gzipped;
        headers['content-encoding'] = 'gzip';
      }
      endResponse(new fetchAPI.Response(new Uint8Array(body), { status: 200, headers }));
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that cannot end its <script> element early, whatever the strings in it hold. */
function jsonInScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
