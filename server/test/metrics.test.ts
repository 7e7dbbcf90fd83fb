// /metrics over real HTTP, parsed with an independent Prometheus text-format parser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { startTestApp } from './app.ts';
import { createTestKey, createTestTenant } from './helpers.ts';
import { seedWorkflow, tenantWithKeys } from './api-helpers.ts';
import { connectedWs } from './ws-client.ts';
import { triggerExecution } from '../src/engine/executions.ts';
import { createQueues } from '../src/engine/queues.ts';

const TOKEN = 'm'.repeat(40);

interface Scrape {
  families: PromFamily[];
  /** The same body with each family parsed as untyped: every `_count`/`_bucket` series on its own. */
  series: PromFamily[];
}

async function scrape(url: string, token = TOKEN): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  // The parser throws on any line that is not valid text format. It merges the series of a
  // labelled histogram into one (its flattening keeps only unlabelled totals), so the counts
  // per label set are read from a second parse without the TYPE lines.
  return { families: parsePrometheusTextFormat(text), series: parsePrometheusTextFormat(text.replace(/^# TYPE .*\n/gm, '')) };
}

function family(families: PromFamily[], name: string): PromFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`${name} is not exposed`);
  return f;
}

/** The value of one sample of an untyped-parsed series (counters, gauges), 0 when absent. */
function sampleValue({ series }: Scrape, name: string, labels: Record<string, string>): number {
  const sample = series.filter((x) => x.name === name).flatMap((x) => x.metrics).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value) : 0;
}

/** The histogram count of one label set (0 when it has no series yet). */
function histogramCount({ series }: Scrape, name: string, labels: Record<string, string>): number {
  // Untyped, each label set's `_count` line is a family of its own.
  const counts = series.filter((x) => x.name === `${name}_count`).flatMap((x) => x.metrics);
  const sample = counts.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value) : 0;
}

describe('/metrics on the api process', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    app = await startTestApp(['api'], { METRICS_TOKEN: TOKEN });
  });
  afterAll(() => app.stop());

  it('counts GraphQL operations by name and outcome, and exposes Node runtime metrics', async () => {
    const tenant = await createTestTenant(app.db, { name: 'Metrics Co' });
    const key = await createTestKey(app.db, tenant.id, 'VIEWER');
    const before = await scrape(app.url);
    const okBefore = histogramCount(before, 'flowdeck_graphql_operation_duration_seconds', { operation: 'MetricsViewer', outcome: 'ok' });

    expect((await app.graphql('query MetricsViewer { viewer { role } }', {}, key)).body.data).toEqual({ viewer: { role: 'VIEWER' } });
    expect((await app.graphql('query MetricsViewer { viewer { role } }', {}, key)).body.data).toBeTruthy();
    // Without a key the resolver fails: an executed operation with errors.
    expect((await app.graphql('{ viewer { role } }')).body.errors).toBeTruthy();

    const after = await scrape(app.url);
    expect(family(after.families, 'flowdeck_graphql_operation_duration_seconds').type).toBe('HISTOGRAM');
    expect(histogramCount(after, 'flowdeck_graphql_operation_duration_seconds', { operation: 'MetricsViewer', outcome: 'ok' })).toBe(okBefore + 2);
    expect(histogramCount(after, 'flowdeck_graphql_operation_duration_seconds', { operation: 'anonymous', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    // Node's default metrics.
    expect(Number(family(after.families, 'process_resident_memory_bytes').metrics[0]!.value)).toBeGreaterThan(0);
    expect(family(after.families, 'nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
  });

  it('counts open WebSocket connections', async () => {
    const tenant = await createTestTenant(app.db);
    const key = await createTestKey(app.db, tenant.id, 'VIEWER');
    const before = sampleValue(await scrape(app.url), 'flowdeck_connections', { kind: 'websocket' });
    const socket = await connectedWs(app.url, key);
    try {
      const during = await scrape(app.url);
      expect(sampleValue(during, 'flowdeck_connections', { kind: 'websocket' })).toBe(before + 1);
      expect(sampleValue(during, 'flowdeck_connections', { kind: 'tcp' })).toBeGreaterThanOrEqual(before + 1);
    } finally {
      socket.ws.close();
      await socket.closed;
    }
  });

  it('refuses a scrape without the token or with a wrong one (401)', async () => {
    const none = await fetch(`${app.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).not.toMatch(/flowdeck_|nodejs_/);
    for (const token of ['wrong', TOKEN + 'x', TOKEN.slice(1)]) {
      const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    }
  });
});

describe('/metrics switched off', () => {
  it('answers 404 on the api when METRICS_TOKEN is unset', async () => {
    const app = await startTestApp(['api'], { METRICS_TOKEN: '' });
    try {
      const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
    } finally {
      await app.stop();
    }
  });
});

describe('/metrics on a worker process', () => {
  it('is served on HEALTH_PORT with the token', async () => {
    const app = await startTestApp(['pdf-worker'], { METRICS_TOKEN: TOKEN, HEALTH_PORT: '0' });
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
      const scraped = await scrape(app.url);
      expect(Number(family(scraped.families, 'process_resident_memory_bytes').metrics[0]!.value)).toBeGreaterThan(0);
      // The warm Chromium is up and measured at start; nothing rendered yet.
      expect(Number(family(scraped.families, 'flowdeck_pdf_browser_memory_bytes').metrics[0]!.value)).toBeGreaterThan(0);
      expect(sampleValue(scraped, 'flowdeck_pdf_renders_total', {})).toBe(0);
      expect(sampleValue(scraped, 'flowdeck_pdf_browser_launches_total', {})).toBe(1);
      expect(family(scraped.families, 'flowdeck_pdf_pages').type).toBe('GAUGE');
    } finally {
      await app.stop();
    }
  });
});

describe('/metrics of the worker role', () => {
  it('counts finished runs and their steps, and reads queue depths and the pg pool at scrape time', async () => {
    // A Redis prefix of its own, and a sweeper that leaves old PENDING runs alone: this worker
    // must not take other suites' runs, whose counts would blur the exact ones asserted here.
    const app = await startTestApp(['api', 'worker'], { METRICS_TOKEN: TOKEN, REDIS_PREFIX: `metrics-${process.pid}-${Date.now()}`, SWEEP_PENDING_AFTER_MS: String(86_400_000) });
    try {
      const tenant = await tenantWithKeys(app.db);
      const wf = await seedWorkflow(app.db, tenant.id, { name: 'metrics-run' });
      const before = await scrape(app.url);
      const runsBefore = sampleValue(before, 'flowdeck_runs_finished_total', { status: 'COMPLETED' });
      const stepsBefore = histogramCount(before, 'flowdeck_step_duration_seconds', { type: 'log', status: 'COMPLETED' });

      const trigger = await app.graphql(
        'mutation Trigger($id: ID!) { triggerWorkflow(id: $id, input: { context: { name: "Ana" } }) { ... on TriggerWorkflowPayload { execution { id } } } }',
        { id: wf.gid },
        tenant.keys.OPERATOR,
      );
      expect(trigger.body.errors).toBeUndefined();
      // The counter moves just after the run's row is COMPLETED, so the scrape is what is polled.
      // This worker's scheduler may also run other suites' scheduled workflows (the test database
      // is shared), so counts are "at least one more", after this run is COMPLETED.
      const deadline = Date.now() + 20_000;
      let after = await scrape(app.url);
      const ours = () => app.db.workflowExecution.findFirst({ where: { workflowId: wf.id }, select: { status: true } });
      while (sampleValue(after, 'flowdeck_runs_finished_total', { status: 'COMPLETED' }) === runsBefore || (await ours())?.status !== 'COMPLETED') {
        if (Date.now() > deadline) throw new Error('the run was not counted as finished');
        await new Promise((r) => setTimeout(r, 50));
        after = await scrape(app.url);
      }
      expect((await app.db.workflowExecution.findFirst({ where: { workflowId: wf.id } }))?.status).toBe('COMPLETED');
      expect(sampleValue(after, 'flowdeck_runs_finished_total', { status: 'COMPLETED' })).toBeGreaterThanOrEqual(runsBefore + 1);
      expect(histogramCount(after, 'flowdeck_run_duration_seconds', { status: 'COMPLETED' })).toBeGreaterThanOrEqual(1);
      expect(histogramCount(after, 'flowdeck_step_duration_seconds', { type: 'log', status: 'COMPLETED' })).toBeGreaterThanOrEqual(stepsBefore + 1);
      expect(histogramCount(after, 'flowdeck_graphql_operation_duration_seconds', { operation: 'Trigger', outcome: 'ok' })).toBe(1);
      // Every queue and state is present (a number, possibly 0), and no label carries an id.
      const queueSeries = after.series.filter((x) => x.name === 'flowdeck_queue_jobs').flatMap((x) => x.metrics);
      expect(new Set(queueSeries.map((m) => m.labels?.state))).toEqual(new Set(['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children']));
      expect(queueSeries.map((m) => m.labels?.queue)).toContain('runs');
      expect(sampleValue(after, 'flowdeck_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
      // The log step's line reaches the log service (written once its batch is flushed).
      expect(sampleValue(after, 'flowdeck_log_lines_total', { outcome: 'accepted' })).toBeGreaterThanOrEqual(1);
      expect(family(after.families, 'flowdeck_log_lines_total').type).toBe('COUNTER');

      // A scheduled run (its slot 2 s ago) reports how late it started: the scheduler's lag.
      // This worker's scheduler also fires other suites' scheduled workflows in the shared test
      // database, so the histogram is read as a difference: one more observation above 1 s.
      const lateCount = (r: Scrape) => {
        const buckets = r.series.filter((x) => x.name === 'flowdeck_schedule_drift_seconds_bucket').flatMap((x) => x.metrics);
        return Number(buckets.find((m) => m.labels?.le === '+Inf')?.value ?? 0) - Number(buckets.find((m) => m.labels?.le === '1')?.value ?? 0);
      };
      const lateBefore = lateCount(after);
      const queues = createQueues(app.redis, app.config.redisPrefix);
      try {
        const slot = new Date(Date.now() - 2_000);
        await triggerExecution({ db: app.db, queues, redis: app.redis, redisPrefix: app.config.redisPrefix }, { tenantId: tenant.id, workflowId: wf.id, trigger: 'SCHEDULE', scheduledFor: slot, idempotencyKey: `slot:${wf.id}:${slot.toISOString()}` });
      } finally {
        await queues.close();
      }
      while (lateCount(after) === lateBefore) {
        if (Date.now() > deadline + 20_000) throw new Error('the scheduled run reported no drift');
        await new Promise((r) => setTimeout(r, 50));
        after = await scrape(app.url);
      }
      expect(lateCount(after)).toBeGreaterThan(lateBefore);

      const body = JSON.stringify(after.series);
      for (const id of [tenant.id, wf.id, 'metrics-run']) expect(body).not.toContain(id);
    } finally {
      await app.stop();
    }
  });
});
