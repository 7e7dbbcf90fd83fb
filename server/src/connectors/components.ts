// The connectors' long-lived parts, shaped as app.ts components (start()/stop()):
//   - connectorComponents (worker role): the simulators when USE_SIMULATORS is on, then the
//     step registrations and the pdf QueueEvents listener;
//   - pdfWorkerComponent (pdf-worker role): the warm Chromium and the pdf queue consumer.
import type { Metrics } from '../metrics/metrics.ts';
import { collectPdfRenderer } from '../metrics/collectors.ts';
import type { Redis } from 'ioredis';
import type { Component } from '../component.ts';
import type { Config } from '../config.ts';
import type { Queues } from '../engine/queues.ts';
import type { StepRegistry } from '../engine/steps/registry.ts';
import type { Logger } from '../logger.ts';
import { startSimulators, type RunningSimulators } from '../simulators/index.ts';
import { registerConnectorSteps, type ConnectorRuntime } from './index.ts';
import { PdfWorker } from './pdf/pdf-worker.ts';
import { createStorage } from './storage/index.ts';

export interface ConnectorComponentDeps {
  config: Config;
  redis: Redis;
  queues: Queues;
  registry: StepRegistry;
  logger: Logger;
}

export function connectorComponents({ config, redis, queues, registry, logger }: ConnectorComponentDeps): Component[] {
  let sims: RunningSimulators | undefined;
  let runtime: ConnectorRuntime | undefined;
  const out: Component[] = [];
  if (config.connectors.useSimulators) {
    out.push({
      name: 'simulators',
      start: async () => {
        sims = await startSimulators();
        logger.info({ simulators: Object.fromEntries(Object.entries(sims.endpoints).map(([k, v]) => [k, v.baseUrl])) }, 'outside-API simulators started (connectors without credentials use them)');
      },
      stop: async () => sims?.stop(),
    });
  }
  out.push({
    name: 'connectors',
    start: async () => {
      runtime = registerConnectorSteps(registry, { config, redis, queues, storage: createStorage(config), simulators: sims?.endpoints });
      await runtime.start();
    },
    stop: async () => runtime?.stop(),
  });
  return out;
}

export function pdfWorkerComponent({ config, redis, metrics }: { config: Config; redis: Redis; metrics?: Metrics }): Component {
  const worker = new PdfWorker({
    connection: redis,
    redisPrefix: config.redisPrefix,
    storage: createStorage(config),
    renderer: {
      chromiumPath: config.pdf.chromiumPath,
      pagePoolSize: config.pdf.pagePoolSize,
      maxRendersPerBrowser: config.pdf.maxRendersPerBrowser,
      memLimitMb: config.pdf.memLimitMb,
      outbound: { allowHosts: config.connectors.outboundAllowHosts },
    },
  });
  if (metrics) collectPdfRenderer(metrics, worker.renderer);
  return { name: 'pdf-worker', start: () => worker.start(), stop: () => worker.stop() };
}
