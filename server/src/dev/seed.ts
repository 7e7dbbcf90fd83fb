// Demo data for `npm start`: one tenant with sample workflows, one of them live on a one-minute
// schedule, and 14 days of generated history (demo-history.ts) so the dashboard's charts show
// something on first open. Idempotent: a second start finds the tenant and changes nothing.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { validateDefinition, type WorkflowDefinition } from '../workflows/definition.ts';
import { DEMO_NAMES, generateDemoHistory } from './demo-history.ts';
import { insertDemoHistory, type InsertedCounts } from './demo-history-sql.ts';

export const DEMO_TENANT_SLUG = 'demo';
export const DEMO_TIMEZONE = 'Asia/Manila';

const HISTORY_NOTE = 'Runs before the demo tenant was created are generated demo history (input {"demo": true}).';

export interface DemoWorkflow {
  name: string;
  description: string;
  schedule?: string;
  definition: WorkflowDefinition;
}

export const DEMO_WORKFLOWS: DemoWorkflow[] = [
  {
    name: DEMO_NAMES.live,
    description: `Demo: pulls yesterday’s Pancake POS orders from the built-in simulator every minute, so a fresh start always has a run going. ${HISTORY_NOTE}`,
    schedule: '* * * * *',
    definition: {
      dateRange: { kind: 'rolling', offsetDays: 1 },
      steps: [{ id: 'pos', type: 'pos.orders.sync' }],
    },
  },
  {
    name: DEMO_NAMES.visa,
    description: `Tells an applicant on WhatsApp that their visa status changed, with the certificate as a PDF. ${HISTORY_NOTE}`,
    definition: {
      variables: {
        phone: '+639171234567',
        firstName: 'Maria',
        lastName: 'Santos',
        passport: 'P1234567A',
        status: 'approved',
        reference: 'VS-2026-0001',
        destination: 'Japan',
        validFrom: '2026-12-01',
        validUntil: '2027-02-28',
      },
      steps: [
        {
          id: 'certificate',
          type: 'pdf.generate',
          config: {
            template: 'visa_certificate',
            variables: {
              holder_name: '{{firstName}} {{lastName}}',
              passport_number: '{{passport}}',
              nationality: 'Filipino',
              visa_type: 'Tourist (single entry)',
              destination: '{{destination}}',
              valid_from: '{{validFrom}}',
              valid_until: '{{validUntil}}',
              reference: '{{reference}}',
              status: '{{status}}',
              issued_on: '{{validFrom}}',
              issuer: 'Demo Travel & Retail',
            },
          },
        },
        { id: 'notify', type: 'whatsapp.send', config: { to: '{{phone}}', firstName: '{{firstName}}', text: 'Hi {{firstName}}, your visa application {{reference}} is {{status}}.' } },
      ],
    },
  },
  {
    name: DEMO_NAMES.daily,
    description: `Pulls yesterday’s Meta Ads insights, then Pancake POS orders, every morning at 06:00 Manila time. ${HISTORY_NOTE}`,
    schedule: '0 6 * * *',
    definition: {
      dateRange: { kind: 'rolling', offsetDays: 1 },
      steps: [{ id: 'sales', type: 'sales.daily.sync' }],
    },
  },
  {
    name: DEMO_NAMES.backfill,
    description: `Re-syncs the last 7 days of ads and orders (idempotent upserts). ${HISTORY_NOTE}`,
    definition: {
      dateRange: { kind: 'relative', days: 7 },
      steps: [
        { id: 'meta', type: 'meta.insights.sync' },
        { id: 'pos', type: 'pos.orders.sync' },
      ],
    },
  },
  {
    name: DEMO_NAMES.heartbeat,
    description: `Writes a log line; a quick way to see a run end to end. ${HISTORY_NOTE}`,
    definition: {
      steps: [
        { id: 'hello', type: 'log', config: { level: 'INFO', message: 'Heartbeat from {{source}}' } },
        { id: 'pause', type: 'delay', config: { ms: 500 } },
      ],
      variables: { source: 'the demo tenant' },
    },
  },
];

/** Unit costs of the simulator's products (p1..p3 and the free gift p9), so synced orders carry COGS instead of a WARN per run. */
const DEMO_PRODUCT_COSTS = [
  { productId: 'p1', unitCost: 420 },
  { productId: 'p2', unitCost: 780 },
  { productId: 'p3', unitCost: 1150 },
  { productId: 'p9', unitCost: 35 },
];

export interface SeedOptions {
  /** Another slug (tests seed a fresh demo tenant of their own). */
  slug?: string;
  /** Write the generated history (default true). */
  history?: boolean;
  /**
   * Turn the live one-minute workflow on (default true). start.ts passes whether the simulators
   * run: without them (and without integrations) it would only fail every minute.
   */
  live?: boolean;
  now?: Date;
}

export interface SeedResult {
  tenantId: string;
  /** The demo admin key, only when this call created it. */
  apiKey?: string;
  /** What the generated history added, only when this call created the tenant. */
  history?: Omit<InsertedCounts, 'timings'> & { timings: InsertedCounts['timings'] & { generateMs: number }; ms: number };
}

export async function seedDemo(db: PrismaClient, options: SeedOptions = {}): Promise<SeedResult> {
  const slug = options.slug ?? DEMO_TENANT_SLUG;
  const existing = await db.tenant.findUnique({ where: { slug } });
  if (existing) return { tenantId: existing.id };
  // One transaction: a start that dies half-way leaves no tenant, so the next start seeds it
  // whole (history included) instead of finding a tenant without history and adding nothing.
  return db.$transaction(
    async (tx) => {
      const tenant = await tx.tenant.create({ data: { name: 'Demo Travel & Retail', slug, timezone: DEMO_TIMEZONE } });
      const workflows = [];
      for (const wf of DEMO_WORKFLOWS) {
        const v = validateDefinition(wf.definition);
        if (!v.ok) throw new Error(`demo workflow "${wf.name}" is invalid: ${JSON.stringify(v.problems)}`);
        const row = await tx.workflow.create({
          data: {
            tenantId: tenant.id,
            name: wf.name,
            description: wf.description,
            definition: wf.definition as object,
            schedule: wf.schedule ?? null,
            // Scheduled demo workflows ship off, except the live one (SeedOptions.live): it only
            // reads from the simulators and sends nothing.
            enabled: wf.name === DEMO_NAMES.live ? (options.live ?? true) : wf.schedule === undefined,
          },
        });
        workflows.push({ id: row.id, name: row.name, definition: wf.definition });
      }
      await tx.productCost.createMany({ data: DEMO_PRODUCT_COSTS.map((c) => ({ tenantId: tenant.id, shopId: '*', currency: 'PHP', ...c })) });
      let history: SeedResult['history'];
      if (options.history ?? true) {
        const t0 = performance.now();
        const generated = generateDemoHistory({ workflows, timezone: tenant.timezone, now: options.now });
        const generateMs = Math.round(performance.now() - t0);
        const counts = await insertDemoHistory(tx, tenant.id, generated);
        history = { ...counts, timings: { generateMs, ...counts.timings }, ms: Math.round(performance.now() - t0) };
      }
      const { key } = await createApiKey(tx, { tenantId: tenant.id, name: 'demo admin', role: 'ADMIN' });
      return { tenantId: tenant.id, apiKey: key, history };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}
