// N graphql-ws clients subscribed to logAdded while the harness writes log lines (each carrying
// its send time in metadata.sentAt). Reports delivery latency (write call → client receives)
// and how many clients were held through the run.
import { WebSocket } from 'k6/websockets';
import { Counter, Trend } from 'k6/metrics';
import { target } from './lib.js';

const CLIENTS = Number(__ENV.CLIENTS ?? 200);
const HOLD_MS = Number(__ENV.HOLD_MS ?? 30000);

const delivery = new Trend('log_delivery_ms', true);
const received = new Counter('log_lines_received');
const held = new Counter('clients_held');
const acked = new Counter('clients_acked');

export const options = {
  scenarios: { subscribers: { executor: 'per-vu-iterations', vus: CLIENTS, iterations: 1, maxDuration: `${Math.ceil(HOLD_MS / 1000) + 60}s` } },
};

const QUERY = 'subscription Tail($filter: LogFilterInput) { logAdded(filter: $filter) { id level message metadata createdAt } }';

export default function () {
  const ws = new WebSocket(`${target.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  let closedEarly = true;
  ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: target.apiKey } }));
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.type === 'connection_ack') {
      acked.add(1);
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { filter: { levels: ['WARN'] } } } }));
    } else if (msg.type === 'next') {
      const sentAt = msg.payload?.data?.logAdded?.metadata?.sentAt;
      if (typeof sentAt === 'number') delivery.add(Date.now() - sentAt);
      received.add(1);
    } else if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
    }
  };
  ws.onclose = () => {
    if (closedEarly) console.warn('a subscriber was closed before the end of the run');
  };
  setTimeout(() => {
    closedEarly = false;
    held.add(1);
    ws.send(JSON.stringify({ id: '1', type: 'complete' }));
    ws.close();
  }, HOLD_MS);
}
