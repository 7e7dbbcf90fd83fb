// What OpenTelemetry tracing costs (server/src/tracing), off and on.
//   1. Per call: each helper the hot paths call (the job carrier, a run with three step spans, an
//      outside-API call's CLIENT span), in CPU ns, with tracing off (no OTLP endpoint: the
//      default) and on (the real OTLP SDK exporting to a stand-in collector on this machine).
//   2. Whole runs: the engine (trigger → job → worker → 3 steps, each making one HTTP call to a
//      local server through the connectors' send()) with tracing off and on, alternated in
//      pairs so the machine's drift lands on both, median pair reported: runs/s and CPU per run.
// Off must be indistinguishable from the code before tracing existed: the helpers return before
// touching @opentelemetry/api, so (1) shows nanoseconds per run against the milliseconds of (2).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metric } from './bench-metrics.ts';
import { measureCpu, type CpuUse } from './bench-cpu.ts';
import type { BenchEnv } from './bench-env.ts';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { eventTopics, type ExecutionEvent } from '../../../server/src/events.ts';
import { triggerExecution, type EngineDeps } from '../../../server/src/engine/executions.ts';
import { createQueues, subscribeWhenReady } from '../../../server/src/engine/queues.ts';
import { RunWorker } from '../../../server/src/engine/run-worker.ts';
import { StepRegistry } from '../../../server/src/engine/steps/registry.ts';
import type { StepRunner } from '../../../server/src/engine/steps/types.ts';
import { send } from '../../../server/src/connectors/http.ts';
import { extractTraceContext, injectTraceContext, inSpan, setTracingEnabled, SpanKind } from '../../../server/src/tracing/tracing.ts';
import { tracedExchange } from '../../../server/src/tracing/http-client.ts';

const RUNS = Number(process.env.BENCH_TRACING_RUNS ?? 1_000);
const PAIRS = 3;
const CONCURRENCY = 20;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** CPU ns per call of `fn` (awaited), over `n` calls after a warm-up. */
async function perCall(n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 10_000); i++) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

/** The helpers a run goes through: carrier in the job, run span, three step spans, one API call each. */
const helpers = {
  carrier: () => inSpan('trigger', { root: true }, async () => injectTraceContext()),
  runWithSteps: () =>
    inSpan('run', { kind: SpanKind.CONSUMER, parent: extractTraceContext(undefined), attributes: { 'flowdeck.execution.id': 'e' } }, async () => {
      for (let i = 0; i < 3; i++) await inSpan('step log', { attributes: { 'flowdeck.step.type': 'log', 'flowdeck.step.index': i } }, async () => null);
    }),
  apiCall: () => tracedExchange({ service: 'cgb', method: 'GET', url: 'http://127.0.0.1:1/contacts/1' }, { accept: 'json' }, async () => ({ status: 200 })),
};

/** The same calls without tracing, as the code was before it: what the helpers add is the difference. */
const baselines: Record<keyof typeof helpers, () => unknown> = {
  carrier: () => (async () => undefined)(),
  runWithSteps: async () => {
    for (let i = 0; i < 3; i++) await (async () => null)();
  },
  apiCall: () => (async () => ({ status: 200 }))(),
};

async function microbench(n: number, fns: Record<string, () => unknown>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, fn] of Object.entries(fns)) out[name] = await perCall(n, fn);
  return out;
}

interface Phase {
  rate: number;
  cpu: CpuUse;
}

export async function benchTracing(env: BenchEnv): Promise<void> {
  // The stand-in collector and the "outside API" the steps call.
  let exportedBytes = 0;
  const collector = createServer((req, res) => {
    req.on('data', (d: Buffer) => (exportedBytes += d.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  const api = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  const [collectorUrl, apiUrl] = await Promise.all([listen(collector), listen(api)]);

  // 1. Per call, off (nothing installed yet, as in a process without OTEL_EXPORTER_OTLP_ENDPOINT).
  env.say('tracing: helpers per call, off…');
  const base = await microbench(1_000_000, baselines);
  const off = await microbench(1_000_000, helpers);

  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collectorUrl;
  const { startOtlpTracing } = await import('../../../server/src/tracing/otlp.ts');
  const stopOtlp = await startOtlpTracing('flowdeck-bench');
  env.say('tracing: helpers per call, on (OTLP to a local collector)…');
  const on = await microbench(50_000, helpers);

  // 2. Whole runs.
  const db = createDb(env.databaseUrl, CONCURRENCY + 10);
  const redis = createRedis(env.redisUrl);
  const connect = () => createRedis(env.redisUrl);
  const redisPrefix = 'bench-tracing';
  const queues = createQueues(redis, redisPrefix);
  const deps: EngineDeps = { db, redis, queues, redisPrefix };
  const callsApi: StepRunner = { type: 'log', retrySafe: true, run: async () => (await send(`${apiUrl}/contacts/1`, { service: 'cgb', timeoutMs: 5_000 })).status };
  const tenant = await db.tenant.create({ data: { name: 'Bench tracing', slug: `bench-tracing-${Date.now()}` } });
  const step = { type: 'log', config: { message: 'x' } };
  const workflow = await db.workflow.create({ data: { tenantId: tenant.id, name: 'traced', definition: { steps: [step, step, step] } } });
  const subscriber = connect();
  let completed = 0;
  let onCompleted: (() => void) | undefined;
  await subscribeWhenReady(subscriber, `${eventTopics(redisPrefix).executions}:${tenant.id}`);
  subscriber.on('message', (_c: string, m: string) => {
    if ((JSON.parse(m) as ExecutionEvent).status === 'COMPLETED') {
      completed++;
      onCompleted?.();
    }
  });
  const worker = new RunWorker({
    db, redis, redisPrefix, registry: new StepRegistry().register(callsApi), logSink: { log: () => {} }, logger: createLogger('error'), driftWarnMs: 60_000,
    concurrency: CONCURRENCY, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 5_000, connect,
  });
  await worker.start();
  // Each trigger as the api's mutation makes it: inside the operation's span (a pass-through when off).
  const trigger = () => inSpan('mutation TriggerWorkflow', { kind: SpanKind.SERVER, root: true }, () => triggerExecution(deps, { tenantId: tenant.id, workflowId: workflow.id, trigger: 'API' }));
  const phase = async (n: number): Promise<Phase> => {
    const target = completed + n;
    const cpu = measureCpu({ ...env.pids, node: () => [process.pid] });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await trigger();
    }));
    await new Promise<void>((resolve) => {
      onCompleted = () => completed >= target && resolve();
      onCompleted();
    });
    return { rate: n / ((performance.now() - t0) / 1000), cpu: cpu(n) };
  };
  setTracingEnabled(false);
  await phase(200); // warm-up
  const pairs: { off: Phase; on: Phase }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    env.say(`tracing: ${RUNS} runs off, then ${RUNS} on (pair ${i + 1} of ${PAIRS})…`);
    setTracingEnabled(false);
    const offPhase = await phase(RUNS);
    setTracingEnabled(true);
    const bytesBefore = exportedBytes;
    const onPhase = await phase(RUNS);
    env.say(`  off ${offPhase.rate.toFixed(0)} runs/s, ${offPhase.cpu.node.toFixed(0)} µs Node CPU/run · on ${onPhase.rate.toFixed(0)} runs/s, ${onPhase.cpu.node.toFixed(0)} µs/run · ${((exportedBytes - bytesBefore) / RUNS / 1024).toFixed(1)} KiB exported/run so far`);
    pairs.push({ off: offPhase, on: onPhase });
  }
  const median = [...pairs].sort((a, b) => a.on.rate / a.off.rate - b.on.rate / b.off.rate)[Math.floor(PAIRS / 2)]!;

  await worker.stop();
  subscriber.disconnect();
  await queues.runs.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
  await db.$disconnect();
  await stopOtlp();
  collector.close();
  api.close();

  const add = (k: string, m: Record<string, number>) => Math.max(0, m[k]! - base[k]!);
  const rows = Object.keys(helpers).map((k) => `| ${k} | ${base[k]!.toFixed(0)} ns | ${add(k, off).toFixed(0)} ns | ${add(k, on).toFixed(0)} ns |`);
  console.log(`\n| per call (CPU) | without tracing | added, off | added, on |\n|---|---:|---:|---:|\n${rows.join('\n')}`);
  console.log(
    `\n| ${RUNS} runs × 3 steps × 1 HTTP call | off | on | on/off |\n|---|---:|---:|---:|\n` +
      `| runs/s (median pair) | ${median.off.rate.toFixed(0)} | ${median.on.rate.toFixed(0)} | ${(median.on.rate / median.off.rate).toFixed(2)} |\n` +
      `| Node CPU µs/run | ${median.off.cpu.node.toFixed(0)} | ${median.on.cpu.node.toFixed(0)} | ${(median.on.cpu.node / median.off.cpu.node).toFixed(2)} |\n` +
      `| all pairs runs/s | ${pairs.map((p) => p.off.rate.toFixed(0)).join(', ')} | ${pairs.map((p) => p.on.rate.toFixed(0)).join(', ')} | |`,
  );
  // Per run: one carrier, one run with three steps, three API calls.
  const perRun = (m: Record<string, number>) => add('carrier', m) + add('runWithSteps', m) + 3 * add('apiCall', m);
  console.log(`\nadded per run (1 carrier, run + 3 steps, 3 API calls): off ${perRun(off).toFixed(0)} ns, on ${(perRun(on) / 1000).toFixed(1)} µs`);
  metric('tracing', 'added per run, off', Math.round(perRun(off)), 'ns', 'lower');
  metric('tracing', 'added per run, on', Math.round(perRun(on)), 'ns', 'lower');
  metric('tracing', 'runs/s off', Math.round(median.off.rate), 'runs/s', 'higher');
  metric('tracing', 'runs/s on', Math.round(median.on.rate), 'runs/s', 'higher');
  metric('tracing', 'Node CPU per run off', Math.round(median.off.cpu.node), 'µs', 'lower');
  metric('tracing', 'Node CPU per run on', Math.round(median.on.cpu.node), 'µs', 'lower');
}
