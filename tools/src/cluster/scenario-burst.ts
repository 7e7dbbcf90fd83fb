// 2,000 runs triggered through both api processes (half each; 100 of them with an idempotency
// key sent to BOTH), executed by both workers, while a graphql-ws client on api #1 watches the
// workflow: it must see, live, the runs triggered through api #2 finish, with their log lines.
// A few PDF runs give the pdf-worker work.
import { sleep, trigger, until, WsClient, type TriggerOutcome } from './client.ts';
import type { Report } from './report.ts';
import { auditRuns, describeAudit, pool, spread, waitSettled } from './runs.ts';
import type { Cluster } from './topology.ts';

const S = 'burst';
const RUNS = 2_000;
const KEYED = 100;

const phone = (n: number) => `+6391${String(70_000_000 + n).padStart(8, '0')}`;

export async function burstScenario(c: Cluster, report: Report): Promise<void> {
  const wf = c.workflows.burst;
  const seenStatus = new Map<string, string>();
  const seenLines = new Map<string, number>();
  const ws = await WsClient.connect(c.api(0), c.key);
  ws.subscribe('subscription($wf: ID) { executionUpdated(workflowId: $wf) { id status } }', { wf }, (p) => {
    const e = p.data?.executionUpdated;
    if (!e) return;
    const id = Buffer.from(e.id, 'base64').toString().split(':')[1]!;
    if (e.status === 'COMPLETED' || !seenStatus.has(id)) seenStatus.set(id, e.status);
  });
  ws.subscribe('subscription($wf: ID) { logAdded(filter: { workflowId: $wf }) { id executionId message } }', { wf }, (p) => {
    const l = p.data?.logAdded;
    if (!l?.executionId) return;
    const id = Buffer.from(l.executionId, 'base64').toString().split(':')[1]!;
    seenLines.set(id, (seenLines.get(id) ?? 0) + 1);
  });

  // Live first: one run through api #2, seen finished on api #1's socket (also proves the
  // subscriptions are in place before the burst starts).
  const probe = await until('a probe run through api #2', async () => (await trigger(c.api(1), c.key, wf, { context: { n: -1, phone: phone(99_999) } })).executionId, 30_000);
  const probeSeen = await until('api #1 to show the probe run finished, with its log lines', async () => seenStatus.get(probe) === 'COMPLETED' && (seenLines.get(probe) ?? 0) >= 2, 60_000).then(
    () => true,
    () => false,
  );
  report.check(S, 'a graphql-ws client on api #1 sees a run triggered through api #2 complete, with its log lines', probeSeen, `status ${seenStatus.get(probe)}, lines ${seenLines.get(probe) ?? 0}`);

  // The burst: 1,900 plain triggers split between the apis, and 100 keys each sent to both.
  const t0 = Date.now();
  const started = new Date();
  const plain = RUNS - KEYED;
  const outcomes = await pool(plain + KEYED, 24, async (i): Promise<{ api: number; out: TriggerOutcome[] }> => {
    if (i < plain) {
      const api = i % 2;
      return { api, out: [await trigger(c.api(api), c.key, wf, { context: { n: i, phone: phone(i) } })] };
    }
    const k = i - plain;
    const input = { idempotencyKey: `burst-key-${k}`, context: { n: i, phone: phone(i) } };
    return { api: -1, out: await Promise.all([trigger(c.api(0), c.key, wf, input), trigger(c.api(1), c.key, wf, input)]) };
  });
  const triggerSeconds = (Date.now() - t0) / 1000;
  const refused = outcomes.flatMap((o) => o.out).filter((o) => !o.executionId);
  report.check(S, `every one of ${plain + 2 * KEYED} trigger requests answered with an execution`, refused.length === 0, refused.length ? `${refused.length} refused, e.g. ${refused[0]!.error}` : '');
  const keyed = outcomes.slice(plain);
  const keyOk = keyed.filter((o) => o.out[0]!.executionId && o.out[0]!.executionId === o.out[1]!.executionId && o.out.filter((x) => x.created).length === 1).length;
  report.check(S, `each of ${KEYED} idempotency keys sent to both apis gave one execution, created once`, keyOk === KEYED, `${keyOk} of ${KEYED}`);
  const ids = [...new Set(outcomes.flatMap((o) => o.out.map((x) => x.executionId)).filter((x): x is string => !!x))];
  const viaApi2 = outcomes.filter((o) => o.api === 1).map((o) => o.out[0]!.executionId).filter((x): x is string => !!x);

  // Four PDF runs through either api: the pdf-worker renders them.
  const pdfRuns = await Promise.all([0, 1, 2, 3].map((n) => trigger(c.api(n % 2), c.key, c.workflows.pdf, { context: { n } })));

  await waitSettled(c, [c.rawWorkflowId(wf), c.rawWorkflowId(c.workflows.pdf)], 8 * 60_000);
  const lastFinish = await c.db.workflowExecution.aggregate({ where: { id: { in: ids } }, _max: { finishedAt: true }, _min: { startedAt: true } });
  const seconds = (lastFinish._max.finishedAt!.getTime() - started.getTime()) / 1000;
  report.figure(S, 'runs/s, first trigger to last finish (2 workers, concurrency 10 each; shared 2-core machine)', `${(RUNS / seconds).toFixed(1)} (${RUNS} runs in ${seconds.toFixed(1)} s; triggering took ${triggerSeconds.toFixed(1)} s)`);

  const total = await c.db.workflowExecution.count({ where: { workflowId: c.rawWorkflowId(wf), createdAt: { gte: started } } });
  report.check(S, `exactly ${RUNS} executions exist for the burst (none lost, none doubled)`, total === RUNS && ids.length === RUNS, `${total} rows, ${ids.length} distinct ids answered`);
  const audit = await auditRuns(c, c.rawWorkflowId(wf), { steps: 3, sends: true, ids });
  report.check(
    S,
    'every run COMPLETED once: 3 StepRuns, started once, each log line once, one WhatsApp message',
    audit.byStatus.COMPLETED === RUNS && audit.restarted === 0 && audit.wrongStepRuns === 0 && audit.repeatedLines === 0 && audit.doubleSends === 0 && audit.missingSends === 0,
    describeAudit(audit),
  );
  const keyRows = await c.db.workflowExecution.count({ where: { tenantId: c.tenantId, idempotencyKey: { startsWith: 'burst-key-' } } });
  report.check(S, 'one execution row per idempotency key', keyRows === KEYED, `${keyRows} rows for ${KEYED} keys`);

  const perWorker = await spread(c, ids);
  const workers = Object.entries(perWorker).filter(([w]) => w.startsWith('worker-'));
  report.check(S, 'runs spread over both worker processes (each ran at least 10%)', workers.length === 2 && workers.every(([, n]) => n >= RUNS * 0.1), JSON.stringify(perWorker));

  // Live: every run triggered through api #2 reached api #1's socket as COMPLETED, with its lines.
  await until('the socket to catch up', async () => viaApi2.every((id) => seenStatus.get(id) === 'COMPLETED' && (seenLines.get(id) ?? 0) >= 2), 60_000).catch(() => {});
  const missedStatus = viaApi2.filter((id) => seenStatus.get(id) !== 'COMPLETED').length;
  const missedLines = viaApi2.filter((id) => (seenLines.get(id) ?? 0) < 2).length;
  const byWorkerSeen = await spread(c, viaApi2.filter((id) => seenStatus.get(id) === 'COMPLETED'));
  report.check(
    S,
    `api #1's graphql-ws client saw all ${viaApi2.length} runs triggered through api #2 complete, with their log lines, executed by both workers`,
    missedStatus === 0 && missedLines === 0 && Object.keys(byWorkerSeen).filter((w) => w.startsWith('worker-')).length === 2,
    `missing COMPLETED ${missedStatus}, missing lines ${missedLines}, seen per worker ${JSON.stringify(byWorkerSeen)}`,
  );
  ws.close();

  const pdfIds = pdfRuns.map((p) => p.executionId).filter((x): x is string => !!x);
  const pdfDone = await c.db.workflowExecution.count({ where: { id: { in: pdfIds }, status: 'COMPLETED' } });
  const docs = await c.db.document.count({ where: { executionId: { in: pdfIds } } });
  report.check(S, 'the pdf-worker rendered the 4 PDF runs (one Document each)', pdfDone === 4 && docs === 4, `${pdfDone} completed, ${docs} documents`);
  await sleep(0);
}
