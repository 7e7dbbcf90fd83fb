import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { loadConfig } from '../config.ts';
import { createQueues } from '../engine/queues.ts';
import { StepRegistry } from '../engine/steps/registry.ts';
import { StepError } from '../engine/steps/types.ts';
import { encryptJson } from '../integrations/crypto.ts';
import { createRedis } from '../redis.ts';
import { CgbSimulator } from '../simulators/cgb.ts';
import { startSimulators, type RunningSimulators } from '../simulators/index.ts';
import { registerConnectorSteps } from './index.ts';
import { createStorage } from './storage/index.ts';
import { makeStepContext } from './test-context.ts';
import { createBuiltinRegistry } from '../engine/steps/builtin.ts';
import definitionSchema from '../workflows/definition.schema.json' with { type: 'json' };

const db = testDb();
const redis = createRedis();
const cgb = new CgbSimulator();
let sims: RunningSimulators;

beforeAll(async () => {
  await cgb.start();
  cgb.tokens.add('999.tenant-token');
  sims = await startSimulators('Asia/Manila', 3);
});
afterAll(async () => {
  await cgb.stop();
  await sims.stop();
  redis.disconnect();
  await db.$disconnect();
});

function setup(withSimulators: boolean) {
  const config = loadConfig({ ...process.env, CGB_BASE_URL: cgb.baseUrl, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`, META_REQUEST_DELAY_MS: '0', POS_REQUEST_DELAY_MS: '0' });
  const queues = createQueues(redis, config.redisPrefix);
  const registry = new StepRegistry();
  const runtime = registerConnectorSteps(registry, { config, redis, queues, storage: createStorage(config), simulators: withSimulators ? sims.endpoints : undefined });
  return { config, queues, registry, runtime };
}

describe('registerConnectorSteps', () => {
  it('registers the connector steps and starts/stops its listener', async () => {
    const { registry, runtime, queues } = setup(true);
    expect(registry.types()).toEqual(['meta.insights.sync', 'pdf.generate', 'pos.orders.sync', 'sales.daily.sync', 'whatsapp.send']);
    await runtime.start();
    await runtime.stop();
    await queues.close();
  });

  it('registers exactly the step types a workflow definition may name (engine steps included)', async () => {
    const config = loadConfig({ ...process.env, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}` });
    const queues = createQueues(redis, config.redisPrefix);
    const registry = createBuiltinRegistry();
    registerConnectorSteps(registry, { config, redis, queues, storage: createStorage(config) });
    expect(registry.types()).toEqual([...definitionSchema.definitions.step.properties.type.enum].sort());
    await queues.close();
  });

  it('uses the tenant integration credentials (decrypted) and the configured base URL', async () => {
    const { registry, config, queues } = setup(true);
    const tenant = await createTestTenant(db);
    await db.integration.create({ data: { tenantId: tenant.id, kind: 'CGB_WHATSAPP', name: 'main', config: { flows: { hello: '1752250957765' } }, credentials: encryptJson(config.encryptionKey, { token: '999.tenant-token' }) } });
    const { ctx } = makeStepContext(db, tenant);
    await registry.get('whatsapp.send')!.run(ctx, { to: '+639171234000', template: 'hello' });
    expect(cgb.requests.at(-1)).toMatchObject({ method: 'POST' });
    expect(cgb.requests.at(-1)!.headers['x-access-token']).toBe('999.tenant-token');
    expect(cgb.sent).toHaveLength(1);
    await queues.close();
  });

  it('falls back to the simulators without an integration, and fails clearly without either', async () => {
    const tenant = await createTestTenant(db);
    const withSims = setup(true);
    const { ctx, progress } = makeStepContext(db, tenant);
    await withSims.registry.get('meta.insights.sync')!.run(ctx, {});
    await withSims.registry.get('pos.orders.sync')!.run(ctx, {});
    expect(progress.daysProcessed).toBe(2);
    expect(await db.metaAdInsight.count({ where: { tenantId: tenant.id } })).toBeGreaterThan(0);
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBeGreaterThan(0);
    await withSims.queues.close();

    const bare = setup(false);
    for (const type of ['whatsapp.send', 'meta.insights.sync', 'pos.orders.sync', 'sales.daily.sync']) {
      const err = await bare.registry.get(type)!.run(ctx, { to: '+639171234000', text: 'x' }).catch((e: StepError) => e);
      expect(err, type).toBeInstanceOf(StepError);
      expect((err as StepError).details.code).toBe('NO_INTEGRATION');
    }
    await bare.queues.close();
  });
});
