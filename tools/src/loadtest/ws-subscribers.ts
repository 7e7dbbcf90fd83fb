// One client process of the load test's subscription scenario: CLIENTS graphql-ws sockets (raw
// graphql-transport-ws frames over `ws`) subscribed to logAdded with the same filter, held for
// until the harness writes "stop" on stdin. Every delivered line carries its write time (metadata.sentAt), so the delivery
// latency is measured per line and socket, into a histogram by millisecond. Prints one JSON
// line ("connected") once every socket is acknowledged, and one ("done") with the counts and
// the histogram after "stop"; the harness merges several processes.
// Sockets open in small batches so the server's accept queue never overflows.
import WebSocket from 'ws';

const url = process.env.WS_URL!;
const key = process.env.API_KEY!;
const clients = Number(process.env.CLIENTS ?? 1000);
const filter = JSON.parse(process.env.FILTER ?? '{"levels":["WARN"]}') as unknown;
const QUERY = 'subscription Tail($filter: LogFilterInput) { logAdded(filter: $filter) { id level message metadata createdAt } }';
const MAX_MS = 120_000;

const hist = new Uint32Array(MAX_MS + 1);
let acked = 0;
let received = 0;
let closedEarly = 0;
let failed = 0;
const sockets: WebSocket[] = [];

function open(): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['graphql-transport-ws'], { perMessageDeflate: false });
    let done = false;
    const settle = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: key } })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; payload?: { data?: { logAdded?: { metadata?: { sentAt?: number } } } } };
      if (msg.type === 'connection_ack') {
        acked++;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { filter } } }));
        settle();
      } else if (msg.type === 'next') {
        received++;
        const sentAt = msg.payload?.data?.logAdded?.metadata?.sentAt;
        if (typeof sentAt === 'number') hist[Math.max(0, Math.min(MAX_MS, Date.now() - sentAt))]!++;
      } else if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    });
    ws.on('error', () => {
      failed++;
      settle();
    });
    ws.on('close', () => {
      if (!stopping) closedEarly++;
      settle();
    });
    sockets.push(ws);
  });
}

let stopping = false;
const started = Date.now();
for (let i = 0; i < clients; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, clients - i) }, open));
}
process.stderr.write(`[ws-subscribers] ${acked}/${clients} connected in ${Date.now() - started} ms\n`);
process.stdout.write(`${JSON.stringify({ type: 'connected', acked, failed })}\n`);
await new Promise<void>((resolve) => {
  process.stdin.on('data', (d) => {
    if (String(d).includes('stop')) resolve();
  });
  process.stdin.on('end', () => resolve());
});
stopping = true;
const held = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
for (const s of sockets) s.terminate();
const sparse: [number, number][] = [];
hist.forEach((n, ms) => {
  if (n) sparse.push([ms, n]);
});
process.stdout.write(`${JSON.stringify({ type: 'done', clients, acked, held, failed, closedEarly, received, hist: sparse })}\n`);
process.exit(0);
