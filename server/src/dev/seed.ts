// Demo data for `npm start`: one tenant with sample workflows. Idempotent: a second start
// finds the tenant and changes nothing.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { validateDefinition, type WorkflowDefinition } from '../workflows/definition.ts';

export const DEMO_TENANT_SLUG = 'demo';

export const DEMO_WORKFLOWS: { name: string; description: string; schedule?: string; definition: WorkflowDefinition }[] = [
  {
    name: 'Visa status update',
    description: 'Tells an applicant on WhatsApp that their visa status changed, with the certificate as a PDF.',
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
    name: 'Daily ads and sales sync',
    description: 'Pulls yesterday’s Meta Ads insights, then Pancake POS orders, every morning at 06:00 Manila time.',
    schedule: '0 6 * * *',
    definition: {
      dateRange: { kind: 'rolling', offsetDays: 1 },
      steps: [{ id: 'sales', type: 'sales.daily.sync' }],
    },
  },
  {
    name: 'Weekly backfill',
    description: 'Re-syncs the last 7 days of ads and orders (idempotent upserts).',
    definition: {
      dateRange: { kind: 'relative', days: 7 },
      steps: [
        { id: 'meta', type: 'meta.insights.sync' },
        { id: 'pos', type: 'pos.orders.sync' },
      ],
    },
  },
  {
    name: 'Heartbeat',
    description: 'Writes a log line; a quick way to see a run end to end.',
    definition: {
      steps: [
        { id: 'hello', type: 'log', config: { level: 'INFO', message: 'Heartbeat from {{source}}' } },
        { id: 'pause', type: 'delay', config: { ms: 500 } },
      ],
      variables: { source: 'the demo tenant' },
    },
  },
];

export interface SeedResult {
  tenantId: string;
  /** The demo admin key, only when this call created it. */
  apiKey?: string;
}

export async function seedDemo(db: PrismaClient): Promise<SeedResult> {
  const existing = await db.tenant.findUnique({ where: { slug: DEMO_TENANT_SLUG } });
  if (existing) return { tenantId: existing.id };
  const tenant = await db.tenant.create({ data: { name: 'Demo Travel & Retail', slug: DEMO_TENANT_SLUG } });
  for (const wf of DEMO_WORKFLOWS) {
    const v = validateDefinition(wf.definition);
    if (!v.ok) throw new Error(`demo workflow "${wf.name}" is invalid: ${JSON.stringify(v.problems)}`);
    await db.workflow.create({
      data: {
        tenantId: tenant.id,
        name: wf.name,
        description: wf.description,
        definition: wf.definition as object,
        schedule: wf.schedule ?? null,
        // The demo ships its schedules off, so a first start sends nothing on its own.
        enabled: wf.schedule === undefined,
      },
    });
  }
  const { key } = await createApiKey(db, { tenantId: tenant.id, name: 'demo admin', role: 'ADMIN' });
  return { tenantId: tenant.id, apiKey: key };
}
