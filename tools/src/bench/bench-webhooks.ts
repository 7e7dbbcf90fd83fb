// `npm run bench webhooks`: inbound webhook ingestion through the real HTTP server (api and worker
// roles in one process, as `npm start` runs them), with signed requests from the webhook simulator.
//   1. Throughput: 8 and then 32 concurrent senders, each sending as fast as it is answered:
//      deliveries accepted (202) per second, and the 202's latency p50/p95.
//   2. End to end at a paced 50 deliveries/s for 20 s: 202 latency, and webhook → run COMPLETED
//      latency p50/p95 (from sending the request to the worker's COMPLETED event on Redis).
// Every run is a one-step `log` workflow, so the numbers are the ingestion and engine overhead.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../server/src/config.ts';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { startApp } from '../../../server/src/app.ts';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { eventTopics } from '../../../server/src/events.ts';
import { localId } from '../../../server/src/graphql/ids.ts';
import { sendWebhook } from '../../../server/src/simulators/webhook-sender.ts';
import { createWebhookTrigger, WEBHOOK_PATH_PREFIX } from '../../../server/src/triggers/webhook-triggers.ts';
import { metric, percentile } from './bench-metrics.ts';

const BENCH = 'webhooks';
const THROUGHPUT_SECONDS = 10;
const PACED_RATE = 50;
const PACED_SECONDS = 20;

const say = (line: string) => process.stderr.write(`[flowdeck bench] ${line}\n`);

// A script of its own (bench.ts runs it with DATABASE_URL and REDIS_URL set): the worker role
// opens Redis connections from the process environment, which needs the rest of it set too.
const prefix = `benchhooks${randomUUID().slice(0, 6)}`;
Object.assign(process.env, { NODE_ENV: 'test', ...throwawaySecrets(), PORT: '0', FLOWDECK_ROLES: 'api,worker', RATE_LIMIT_PER_MINUTE: '0', REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' });
await benchWebhooks();

async function benchWebhooks(): Promise<void> {
  const env = { say };
  const config = loadConfig(process.env);
  const db = createDb(config.databaseUrl, 20);
  const redis = createRedis(config.redisUrl);
  const subscriber = createRedis(config.redisUrl);
  const app = await startApp({ config, db, redis, logger: createLogger('silent') });
  try {
    const tenant = await db.tenant.create({ data: { name: 'Bench webhooks', slug: `bench-hooks-${Date.now()}` } });
    const wf = await db.workflow.create({ data: { tenantId: tenant.id, name: 'webhook bench', definition: { steps: [{ type: 'log', config: { message: 'order {{orderId}}' } }] } } });
    const { trigger, secret } = await createWebhookTrigger({ db, encryptionKey: config.encryptionKey }, tenant.id, wf.id, { name: 'bench', rateLimitPerMinute: 0, payloadSchema: { type: 'object', required: ['orderId'] } });
    const url = `http://127.0.0.1:${app.port}${WEBHOOK_PATH_PREFIX}${trigger.token}`;
    let seq = 0;
    const deliver = async () => {
      const started = performance.now();
      const res = await sendWebhook({ url, secret, payload: { orderId: `o-${++seq}`, amount: 125.5, items: [{ sku: 'A1', qty: 2 }] } });
      if (res.status !== 202) throw new Error(`delivery answered ${res.status}: ${JSON.stringify(res.body)}`);
      return { ms: performance.now() - started, executionId: localId(res.body.executionId, 'Execution')! };
    };
    // Warm-up: the trigger and workflow caches, connections, JIT.
    for (let i = 0; i < 50; i++) await deliver();

    env.say('webhooks: throughput, senders as fast as answered');
    for (const senders of [8, 32]) {
      const latencies: number[] = [];
      const until = performance.now() + THROUGHPUT_SECONDS * 1000;
      const started = performance.now();
      await Promise.all(Array.from({ length: senders }, async () => {
        while (performance.now() < until) latencies.push((await deliver()).ms);
      }));
      const perSecond = latencies.length / ((performance.now() - started) / 1000);
      console.log(`${senders} senders: ${latencies.length} accepted in ${THROUGHPUT_SECONDS} s = ${perSecond.toFixed(0)}/s; 202 latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`);
      metric(BENCH, `accepted/s, ${senders} senders`, perSecond, '/s', 'higher');
      metric(BENCH, `202 latency p50, ${senders} senders`, percentile(latencies, 50), 'ms', 'lower');
      metric(BENCH, `202 latency p95, ${senders} senders`, percentile(latencies, 95), 'ms', 'lower');
    }

    // Let the worker finish the backlog of runs before the paced phase measures end to end.
    env.say('webhooks: draining the backlog of runs');
    for (;;) {
      const open = await db.workflowExecution.count({ where: { tenantId: tenant.id, status: { in: ['PENDING', 'RUNNING'] } } });
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    env.say(`webhooks: paced ${PACED_RATE}/s for ${PACED_SECONDS} s, to run COMPLETED`);
    const sentAt = new Map<string, number>();
    const completedMs: number[] = [];
    const early = new Map<string, number>();
    await subscriber.subscribe(`${eventTopics(prefix).executions}:${tenant.id}`);
    subscriber.on('message', (_channel, message) => {
      const e = JSON.parse(message) as { executionId: string; status: string };
      if (e.status !== 'COMPLETED') return;
      const at = performance.now();
      const sent = sentAt.get(e.executionId);
      if (sent === undefined) early.set(e.executionId, at);
      else completedMs.push(at - sent);
    });
    const acceptMs: number[] = [];
    const total = PACED_RATE * PACED_SECONDS;
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / PACED_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sendStart = performance.now();
      inFlight.push(
        deliver().then(({ ms, executionId }) => {
          acceptMs.push(ms);
          const done = early.get(executionId);
          // The COMPLETED event can beat the 202 to us; it is measured from the send either way.
          if (done !== undefined) completedMs.push(done - sendStart);
          else sentAt.set(executionId, sendStart);
        }),
      );
    }
    await Promise.all(inFlight);
    const deadline = performance.now() + 60_000;
    while (completedMs.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    console.log(`paced ${PACED_RATE}/s: ${acceptMs.length} accepted, 202 p50 ${percentile(acceptMs, 50).toFixed(1)} ms, p95 ${percentile(acceptMs, 95).toFixed(1)} ms; ${completedMs.length} runs COMPLETED, webhook → COMPLETED p50 ${percentile(completedMs, 50).toFixed(1)} ms, p95 ${percentile(completedMs, 95).toFixed(1)} ms`);
    metric(BENCH, `202 latency p95, paced ${PACED_RATE}/s`, percentile(acceptMs, 95), 'ms', 'lower');
    metric(BENCH, `webhook → COMPLETED p50, paced ${PACED_RATE}/s`, percentile(completedMs, 50), 'ms', 'lower');
    metric(BENCH, `webhook → COMPLETED p95, paced ${PACED_RATE}/s`, percentile(completedMs, 95), 'ms', 'lower');
    if (completedMs.length < total) throw new Error(`only ${completedMs.length} of ${total} runs completed within a minute`);
  } finally {
    await subscriber.quit().catch(() => subscriber.disconnect());
    await app.stop();
    await db.$disconnect();
    redis.disconnect();
  }
}
