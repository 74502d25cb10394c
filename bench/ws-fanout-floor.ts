/**
 * The transport's floor for bench/subscribers.ts: one text message of the size of the
 * nested activityFeed result, written with bare `ws` to N loopback sockets held by two
 * client processes, as the server writes one event to N subscribers, with nothing of
 * GraphQL, graphql-ws or the event stream in between.
 *
 *   npx tsx bench/ws-fanout-floor.ts [--subscribers 10000] [--rounds 5]
 *
 * Prints, per round, how long the send loop took (µs per send, CPU per send) and when the
 * last client had every message: what bench:subscribers' "send → receipt" cannot go below
 * on this machine.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';

const CLIENT_PROCESSES = 2;

/** The shape and size of one delivery of bench:subscribers' nested selection. */
const MESSAGE = JSON.stringify({
  id: '7d2c4f0e-1111-2222-3333-444455556666',
  type: 'next',
  payload: {
    data: {
      activityFeed: {
        id: 'U2Vzc2lvbkV2ZW50OjEyMzQ1',
        data: { messageId: '0193a0c2-7d2c-7000-8000-4f0e11112222', role: 'USER' },
        session: {
          id: 'Q2hhdFNlc3Npb246MDE5M2EwYzItN2QyYy03MDAwLTgwMDAtNGYwZTExMTEyMjIy',
          currentStep: 'REQUESTING_QUOTES',
          quotesReceivedCount: 3,
          primaryQuote: { totalPrice: '48250.00' },
          agent: { email: 'bench-agent@bench.example' },
        },
      },
    },
  },
});

/** A client process: opens `count` sockets, says "open", then "got" each time every socket has one more message. */
function runClient(url: string, count: number) {
  let open = 0;
  let received = 0;
  for (let index = 0; index < count; index++) {
    const socket = new WebSocket(url);
    socket.on('open', () => {
      if (++open === count) process.send?.('open');
    });
    socket.on('message', (data) => {
      JSON.parse(String(data));
      if (++received % count === 0) process.send?.('got');
    });
  }
}

const nextMessage = (child: ChildProcess) => new Promise((resolve) => child.once('message', resolve));

async function main() {
  const { values } = parseArgs({
    options: { subscribers: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } },
  });
  const subscribers = Number(values.subscribers);
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const sockets: WebSocket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const script = fileURLToPath(import.meta.url);
  const clients = Array.from({ length: CLIENT_PROCESSES }, () =>
    fork(script, ['--client', `ws://127.0.0.1:${port}`, String(subscribers / CLIENT_PROCESSES)]),
  );
  await Promise.all(clients.map(nextMessage));
  console.log(`bare ws fan-out · ${sockets.length} sockets · ${Buffer.byteLength(MESSAGE)} bytes a message`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    const received = Promise.all(clients.map(nextMessage));
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const socket of sockets) socket.send(MESSAGE);
    const looped = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await received;
    const all = performance.now() - started;
    console.log(
      `  round ${round}: send loop ${looped.toFixed(0)} ms (${((looped * 1000) / sockets.length).toFixed(1)} µs a send, ` +
        `${((used.user + used.system) / sockets.length).toFixed(1)} µs CPU) · every client had it after ${all.toFixed(0)} ms`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const client of clients) client.kill();
  server.close();
}

if (process.argv.includes('--client')) {
  const [url, count] = process.argv.slice(process.argv.indexOf('--client') + 1);
  runClient(url as string, Number(count));
} else {
  await main();
}
