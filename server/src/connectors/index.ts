// Registers every connector step with the engine's registry and owns the connectors' long-lived
// parts (the pdf QueueEvents listener). Credentials come from the tenant's Integration row;
// without one, and with USE_SIMULATORS on, steps talk to the in-process simulators. Base URLs
// come from configuration only, never from tenant-editable integration config, so a tenant
// cannot point our credentials-bearing clients at an address of its choosing.
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { StepRegistry } from '../engine/steps/registry.ts';
import { StepError, type StepContext } from '../engine/steps/types.ts';
import { bullPrefix, QUEUE_NAMES, type Queues } from '../engine/queues.ts';
import type { IntegrationKind } from '../generated/prisma/enums.ts';
import { loadIntegration } from '../integrations/credentials.ts';
import type { SimulatorEndpoints } from '../simulators/index.ts';
import { createDailySyncStep } from './daily-sync-step.ts';
import { createMetaInsightsSyncStep, type MetaConnection } from './meta-ads/sync-step.ts';
import { createPosOrdersSyncStep, type PosConnection } from './pancake-pos/sync-step.ts';
import { createPdfGenerateStep } from './pdf/generate-step.ts';
import { TemplateStore } from './pdf/templates.ts';
import type { ObjectStorage } from './storage/storage.ts';
import { createWhatsAppSendStep, type CgbConnection } from './whatsapp/send-step.ts';

export const VENDOR_URLS = {
  cgb: 'https://app.chatgptbuilder.io/api',
  pancake: 'https://pos.pages.fm/api/v1',
};

export interface ConnectorDeps {
  config: Config;
  redis: Redis;
  queues: Queues;
  storage: ObjectStorage;
  /** Set when USE_SIMULATORS is on and the simulators were started. */
  simulators?: SimulatorEndpoints;
}

export interface ConnectorRuntime {
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function credentialsFor<C>(ctx: StepContext, key: Buffer, kind: IntegrationKind, source: string) {
  const integration = await loadIntegration<C>(ctx.db, key, ctx.tenantId, kind);
  if (integration && !integration.credentials) throw new StepError(`the ${kind} integration has no credentials`, { retryable: false, source, code: 'NO_CREDENTIALS' });
  return integration;
}

function noIntegration(kind: IntegrationKind, source: string): StepError {
  return new StepError(`no enabled ${kind} integration for this tenant`, { retryable: false, source, code: 'NO_INTEGRATION' });
}

const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

export function registerConnectorSteps(registry: StepRegistry, deps: ConnectorDeps): ConnectorRuntime {
  const { config, simulators } = deps;
  const key = config.encryptionKey;

  registry.register(
    createWhatsAppSendStep({
      resolveConnection: async (ctx): Promise<CgbConnection> => {
        const i = await credentialsFor<{ token?: string }>(ctx, key, 'CGB_WHATSAPP', 'whatsapp');
        const flows = (i?.config.flows ?? {}) as Record<string, string>;
        if (i?.credentials?.token) return { baseUrl: config.connectors.cgbBaseUrl ?? VENDOR_URLS.cgb, token: i.credentials.token, flows };
        if (simulators) return { ...simulators.cgb, flows };
        throw noIntegration('CGB_WHATSAPP', 'whatsapp');
      },
    }),
  );

  const resolveMeta = async (ctx: StepContext): Promise<MetaConnection> => {
    const i = await credentialsFor<{ accessToken?: string }>(ctx, key, 'META_ADS', 'meta');
    const extra = { accountIds: list(i?.config.accountIds), leadActionType: i?.config.leadActionType as string | undefined };
    if (i?.credentials?.accessToken) return { baseUrl: config.connectors.metaGraphBaseUrl, accessToken: i.credentials.accessToken, ...extra };
    if (simulators) return { ...simulators.meta, ...extra };
    throw noIntegration('META_ADS', 'meta');
  };
  const resolvePos = async (ctx: StepContext): Promise<PosConnection> => {
    const i = await credentialsFor<{ apiKey?: string }>(ctx, key, 'PANCAKE_POS', 'pos');
    const extra = { shopIds: list(i?.config.shopIds), adMapping: i?.config.adMapping as Record<string, string> | undefined };
    if (i?.credentials?.apiKey) return { baseUrl: config.connectors.pancakeBaseUrl ?? VENDOR_URLS.pancake, apiKey: i.credentials.apiKey, ...extra };
    if (simulators) return { ...simulators.pancake, ...extra };
    throw noIntegration('PANCAKE_POS', 'pos');
  };
  const metaClientOptions = { requestDelayMs: config.connectors.metaRequestDelayMs };
  registry.register(createMetaInsightsSyncStep({ resolveConnection: resolveMeta, clientOptions: metaClientOptions }));
  const posClientOptions = { requestDelayMs: config.connectors.posRequestDelayMs };
  registry.register(createPosOrdersSyncStep({ resolveConnection: resolvePos, clientOptions: posClientOptions }));
  registry.register(createDailySyncStep({ resolveMeta, resolvePos, metaClientOptions, posClientOptions }));

  const eventsConnection = deps.redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: true });
  const queueEvents = new QueueEvents(QUEUE_NAMES.pdf, { connection: eventsConnection, prefix: bullPrefix(config.redisPrefix), autorun: false });
  registry.register(
    createPdfGenerateStep({ queue: deps.queues.pdf, queueEvents, storage: deps.storage, templates: new TemplateStore(), signedUrlTtlSeconds: config.storage.signedUrlTtlSeconds }),
  );

  return {
    start: async () => {
      void queueEvents.run().catch(() => {});
      await queueEvents.waitUntilReady();
    },
    stop: async () => {
      await queueEvents.close();
      eventsConnection.disconnect();
    },
  };
}
