// The pdf-worker role: consumes queues.pdf, renders with the warm renderer, stores the PDF and
// answers with its size and checksum. Expected failures (unknown template, blocked URL) are
// returned as results so the step can fail permanently without BullMQ retries; unexpected ones
// throw and fail the job.
import { createHash } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, QUEUE_NAMES } from '../../engine/queues.ts';
import { OutboundBlockedError } from '../../security/outbound-guard.ts';
import type { ObjectStorage } from '../storage/storage.ts';
import { PdfRenderer, RenderBlockedError, type RendererOptions } from './renderer.ts';
import { TemplateError, TemplateStore } from './templates.ts';
import { extractTraceContext, inSpan, SpanKind, type TraceCarrier } from '../../tracing/tracing.ts';

export interface PdfJobData {
  tenantId: string;
  executionId: string;
  template?: string;
  variables?: Record<string, unknown>;
  url?: string;
  storageKey: string;
  /** W3C trace context of the pdf.generate step (only when tracing is on). */
  trace?: TraceCarrier;
}

export type PdfJobResult =
  | { ok: true; storageKey: string; sizeBytes: number; checksum: string; pages: number; renderMs: number }
  | { ok: false; error: string; permanent: true };

export interface PdfWorkerDeps {
  connection: Redis;
  redisPrefix: string;
  storage: ObjectStorage;
  renderer: RendererOptions;
  templates?: TemplateStore;
  concurrency?: number;
}

function countPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
}

export class PdfWorker {
  readonly renderer: PdfRenderer;
  private worker: Worker<PdfJobData, PdfJobResult> | undefined;
  private connection: Redis | undefined;
  private readonly templates: TemplateStore;

  constructor(private readonly deps: PdfWorkerDeps) {
    this.renderer = new PdfRenderer(deps.renderer);
    this.templates = deps.templates ?? new TemplateStore();
  }

  /** Render and store one PDF (the job processor; also used directly by the benchmark). */
  async process(data: PdfJobData): Promise<PdfJobResult> {
    const started = performance.now();
    let pdf: Buffer;
    try {
      if (data.url) pdf = await this.renderer.renderUrl(data.url);
      else pdf = await this.renderer.renderHtml(this.templates.render(data.template ?? '', data.variables ?? {}));
    } catch (err) {
      if (err instanceof TemplateError || err instanceof RenderBlockedError || err instanceof OutboundBlockedError) {
        return { ok: false, error: err.message, permanent: true };
      }
      throw err;
    }
    await this.deps.storage.put(data.storageKey, pdf, 'application/pdf');
    return {
      ok: true,
      storageKey: data.storageKey,
      sizeBytes: pdf.length,
      checksum: createHash('sha256').update(pdf).digest('hex'),
      pages: countPages(pdf),
      renderMs: Math.round(performance.now() - started),
    };
  }

  /**
   * A finished job stays in Redis for 24 h so that a re-run step reuses its result; the
   * variables it was rendered with (names, passport numbers…) and the URL do not have to stay
   * with it, so they are dropped from its data once the render is over, whatever its outcome.
   * A worker killed mid-render never gets here, and the job it hands back still has them.
   */
  private async processJob(job: Job<PdfJobData>): Promise<PdfJobResult> {
    try {
      return await this.tracedProcess(job.data);
    } finally {
      const { tenantId, executionId, storageKey, template } = job.data;
      await job.updateData({ tenantId, executionId, storageKey, ...(template !== undefined ? { template } : {}) }).catch(() => {});
    }
  }

  /**
   * The render as a `pdf render` span in the trace of the step that asked for it, with the upload
   * to storage as its child. The template's name is recorded; its variables and the URL are not.
   */
  private tracedProcess(data: PdfJobData): Promise<PdfJobResult> {
    const attributes = { 'flowdeck.tenant.id': data.tenantId, 'flowdeck.execution.id': data.executionId, 'flowdeck.pdf.source': data.url ? 'url' : 'template', ...(data.template ? { 'flowdeck.pdf.template': data.template } : {}) };
    return inSpan('pdf render', { kind: SpanKind.CONSUMER, parent: extractTraceContext(data.trace), attributes }, async (span) => {
      const result = await this.process(data);
      span?.setAttributes(result.ok ? { 'flowdeck.pdf.outcome': 'ok', 'flowdeck.pdf.size_bytes': result.sizeBytes, 'flowdeck.pdf.pages': result.pages } : { 'flowdeck.pdf.outcome': 'refused' });
      return result;
    });
  }

  async start(): Promise<void> {
    await this.renderer.start();
    this.worker = new Worker<PdfJobData, PdfJobResult>(QUEUE_NAMES.pdf, (job: Job<PdfJobData>) => this.processJob(job), {
      connection: (this.connection = this.deps.connection.duplicate({ maxRetriesPerRequest: null })),
      prefix: bullPrefix(this.deps.redisPrefix),
      concurrency: this.deps.concurrency ?? this.deps.renderer.pagePoolSize,
    });
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
    this.connection?.disconnect();
    await this.renderer.stop();
  }
}
