import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OperationDefinitionNode, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_QUERY } from '../src/graphiql/example-tabs.js';
import { type DemoServer, startDemoServer } from './harness/demo.js';
import { execute } from './harness/graphql.js';

/**
 * The README's examples, run as written on the demo data with agent1's token (the one `npm start`
 * prints and GraphiQL sends), on whichever Node runs the suite (CI: 20, 22 and 24): the flagship
 * query, the end-to-end document pasted whole, the graphql-ws client and the SSE curl command. The
 * shell blocks that start the server or print tokens are run by test/npm-start.test.ts and
 * test/start.test.ts.
 */
const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');
const blocks = (language: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1] as string);
const graphqlBlocks = blocks('graphql');

let demo: DemoServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  demo = await startDemoServer();
});

afterAll(async () => {
  for (const child of children) killGroup(child);
  await demo?.stop();
});

/** Every top-level answer must be data: no GraphQL error and no typed error in a payload union. */
function expectNoErrors(operation: string, result: { errors?: unknown; data?: Record<string, unknown> | null }) {
  expect(result.errors, operation).toBeUndefined();
  for (const [field, value] of Object.entries(result.data ?? {})) {
    const answer = value as { __typename?: string; code?: string } | null;
    expect(answer?.code, `${field} answered with an error:\n${JSON.stringify(answer)}\n${operation}`).toBeUndefined();
    expect(answer?.__typename ?? '', field).not.toMatch(/Error$/);
  }
}

/** Runs a README snippet as a child process and resolves with its output once `pattern` appears in it. */
function outputOf(child: ChildProcess, pattern: RegExp): Promise<string> {
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${output}`)), 30_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${pattern}:\n${output}`));
    });
  });
}

/** Once the snippet's subscription listens, something happens on one of agent1's sessions. */
async function causeAnEvent(subscribersBefore: number) {
  await expect
    .poll(() => demo.server.app.events.subscriberCount, { timeout: 20_000 })
    .toBeGreaterThan(subscribersBefore);
  const session = await demo.database.prisma.chatSession.findFirstOrThrow({
    where: { agent: { email: 'agent1@example.com' }, status: 'ACTIVE' },
    orderBy: { id: 'asc' },
  });
  const result = await execute(
    demo.server.url,
    `mutation ($id: ID!) { recordMessage(input: { sessionId: $id, senderType: AGENT, content: "README" }) { __typename } }`,
    { id: Buffer.from(`ChatSession:${session.id}`).toString('base64') },
    demo.token,
  );
  expect(result.data).toEqual({ recordMessage: { __typename: 'RecordMessagePayload' } });
}

/** Snippets run in a process group of their own: a shell's curl goes with the shell. */
function killGroup(child: ChildProcess) {
  try {
    process.kill(-(child.pid as number), 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Ends a snippet and waits until the server has let its subscriber go, so the next count is exact. */
async function stopped(child: ChildProcess, subscribersBefore: number) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child);
  await exited;
  await expect.poll(() => demo.server.app.events.subscriberCount, { timeout: 20_000 }).toBe(subscribersBefore);
}

const onServer = (text: string) => text.replaceAll('localhost:4000', new URL(demo.server.url).host);

describe('the README examples', () => {
  it('flagship query is GraphiQL’s Dashboard tab and returns agent1’s open sessions, nested', async () => {
    const flagship = graphqlBlocks.find((block) => block.includes('query Dashboard'));
    expect(flagship).toBeDefined();
    expect(print(parse(flagship as string))).toBe(print(parse(DASHBOARD_QUERY)));
    const result = (await execute(demo.server.url, flagship as string, undefined, demo.token)) as {
      errors?: unknown;
      data?: Record<string, unknown> | null;
    };
    expectNoErrors(flagship as string, result);
    const sessions = (
      result.data as { sessions: { totalCount: number; edges: { node: { quotes: { totalCount: number } } }[] } }
    ).sessions;
    expect(sessions.totalCount).toBeGreaterThan(0);
    expect(sessions.edges.some((edge) => edge.node.quotes.totalCount > 0)).toBe(true);
  });

  it('end-to-end document pastes whole and drives a session to PROPOSAL_SENT, operation by operation', async () => {
    const document = graphqlBlocks.find((block) => block.includes('mutation StartSession')) as string;
    expect(document).toBeDefined();
    const operations = parse(document).definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition',
    );
    expect(operations.length).toBeGreaterThanOrEqual(7);
    const variables: { sessionId?: string; quoteId?: string } = {};
    for (const operation of operations) {
      const operationName = operation.name?.value;
      expect(operationName, 'every operation is named, so the document runs as one').toBeDefined();
      const response = await fetch(demo.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.token}` },
        body: JSON.stringify({ query: document, operationName, variables }),
      });
      const result = (await response.json()) as { errors?: unknown; data?: Record<string, unknown> | null };
      expectNoErrors(`${operationName}`, result);
      const data = result.data as Record<string, { session?: { id?: string }; quote?: { id?: string } }>;
      variables.sessionId ??= data['startSession']?.session?.id;
      variables.quoteId ??= data['receiveQuote']?.quote?.id;
    }
    const id = Buffer.from(variables.sessionId as string, 'base64')
      .toString()
      .split(':')[1] as string;
    const session = await demo.database.prisma.chatSession.findUniqueOrThrow({ where: { id } });
    expect(session.currentStep).toBe('PROPOSAL_SENT');
  });

  it('graphql-ws client receives the activity feed as written', async () => {
    const snippet = blocks('ts').find((block) => block.includes("from 'graphql-ws'")) as string;
    expect(snippet).toBeDefined();
    // Outside the project, with its packages beside it, as a reader's script would be.
    const directory = mkdtempSync(join(tmpdir(), 'chat-sessions-readme-'));
    try {
      symlinkSync(realpathSync(`${root}node_modules`), join(directory, 'node_modules'));
      writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(directory, 'feed.ts'), onServer(snippet));
      const before = demo.server.app.events.subscriberCount;
      const child = spawn(process.execPath, ['--import', 'tsx', 'feed.ts'], {
        cwd: directory,
        env: { PATH: process.env['PATH'] ?? '', TOKEN: demo.token },
        detached: true,
      });
      const received = outputOf(child, /MESSAGE_RECORDED \S+/);
      await causeAnEvent(before);
      expect(await received).toMatch(/MESSAGE_RECORDED \S+/);
      await stopped(child, before);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('SSE curl command streams the activity feed as written', async () => {
    const command = blocks('sh').find((block) => block.includes('text/event-stream')) as string;
    expect(command).toBeDefined();
    const before = demo.server.app.events.subscriberCount;
    const child = spawn('sh', ['-c', onServer(command)], {
      env: { PATH: process.env['PATH'] ?? '', TOKEN: demo.token },
      detached: true,
    });
    const received = outputOf(child, /"type":"MESSAGE_RECORDED"/);
    await causeAnEvent(before);
    expect(await received).toMatch(/data: \{"data":\{"activityFeed":\{"cursor":"[^"]+","type":"MESSAGE_RECORDED"/);
    await stopped(child, before);
  });
});
