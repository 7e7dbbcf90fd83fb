// `pdf.generate`: enqueues a render on queues.pdf (its own worker process, memory-capped), waits
// for it, records a Document row and returns a signed link (24 h by default).
// The job id derives from ctx.idempotencyKey, so a retried or re-run step joins or reuses the
// same job and object (receipts/<jobId>.pdf) instead of rendering a second document.
import { createHash } from 'node:crypto';
import type { Queue, QueueEvents } from 'bullmq';
import { StepError, type StepRunner } from '../../engine/steps/types.ts';
import type { ObjectStorage } from '../storage/storage.ts';
import type { PdfJobData, PdfJobResult } from './pdf-worker.ts';
import type { TemplateStore } from './templates.ts';
import { injectTraceContext } from '../../tracing/tracing.ts';

export interface PdfGenerateConfig {
  template?: string;
  variables?: Record<string, unknown>;
  url?: string;
}

export interface PdfGenerateDeps {
  queue: Queue;
  queueEvents: QueueEvents;
  storage: ObjectStorage;
  templates: TemplateStore;
  signedUrlTtlSeconds: number;
  /** Longest the step waits for the pdf worker. */
  waitTimeoutMs?: number;
}

const SOURCE = 'pdf';

function invalid(message: string): StepError {
  return new StepError(message, { retryable: false, source: SOURCE, code: 'INVALID_CONFIG' });
}

export function pdfJobId(idempotencyKey: string): string {
  return `pdf-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

export function createPdfGenerateStep(deps: PdfGenerateDeps): StepRunner<PdfGenerateConfig> {
  return {
    type: 'pdf.generate',
    retrySafe: true,
    async run(ctx, config) {
      const hasTemplate = config?.template !== undefined;
      if (hasTemplate === (config?.url !== undefined)) throw invalid('pdf.generate needs exactly one of "template" or "url"');
      if (hasTemplate && !deps.templates.has(String(config.template))) throw invalid(`unknown PDF template "${String(config.template).slice(0, 64)}" (have: ${deps.templates.names().join(', ')})`);
      if (config.url !== undefined && (typeof config.url !== 'string' || !/^https?:\/\//i.test(config.url))) throw invalid('"url" must be an http(s) URL');
      if (config.variables !== undefined && (typeof config.variables !== 'object' || config.variables === null || Array.isArray(config.variables))) throw invalid('"variables" must be an object');

      const jobId = pdfJobId(ctx.idempotencyKey);
      const storageKey = `receipts/${jobId}.pdf`;
      // The render (another process) joins this step's trace through the context in the job.
      const trace = injectTraceContext();
      const data: PdfJobData = {
        tenantId: ctx.tenantId,
        executionId: ctx.executionId,
        storageKey,
        ...(hasTemplate ? { template: config.template, variables: config.variables ?? {} } : { url: config.url }),
        ...(trace ? { trace } : {}),
      };
      // A failed job of an earlier attempt would otherwise be "found" and fail again forever.
      const previous = await deps.queue.getJob(jobId);
      if (previous && (await previous.isFailed())) await previous.remove().catch(() => {});
      const job = await deps.queue.add('render', data, { jobId, attempts: 1, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 3_600 } });

      let result: PdfJobResult;
      try {
        result = await waitAbortable(job.waitUntilFinished(deps.queueEvents, deps.waitTimeoutMs ?? 120_000), ctx.signal);
      } catch (err) {
        if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: SOURCE });
        throw new StepError(`PDF render failed: ${(err as Error).message}`, { retryable: true, source: SOURCE });
      }
      if (!result.ok) throw new StepError(`PDF render refused: ${result.error}`, { retryable: false, source: SOURCE, code: 'RENDER_REFUSED' });

      const expiresAt = new Date(Date.now() + deps.signedUrlTtlSeconds * 1000);
      const url = await deps.storage.signedUrl(storageKey, deps.signedUrlTtlSeconds);
      const fields = { executionId: ctx.executionId, template: config.template ?? null, storageDriver: deps.storage.driver, sizeBytes: result.sizeBytes, checksum: result.checksum, linkExpiresAt: expiresAt };
      const doc = await ctx.db.document.upsert({
        where: { tenantId_storageKey: { tenantId: ctx.tenantId, storageKey } },
        create: { tenantId: ctx.tenantId, storageKey, ...fields },
        update: fields,
      });
      ctx.log({ level: 'INFO', message: 'PDF generated', metadata: { documentId: doc.id, sizeBytes: result.sizeBytes, pages: result.pages } });
      return { documentId: doc.id, url, expiresAt: expiresAt.toISOString(), storageKey, sizeBytes: result.sizeBytes, checksum: result.checksum };
    },
  };
}

function waitAbortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('cancelled'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
