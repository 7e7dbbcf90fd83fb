// The event triggers of every workflow (definition.triggers.events), indexed in
// WorkflowEventTrigger so sendEvent finds the workflows an event starts with one index scan
// instead of reading every definition. Rewritten after every write of a workflow (create,
// update, enable/disable, delete); a deleted workflow keeps none. Whether a workflow is enabled
// is read at send time, so disabling needs no rewrite to take effect.
import type { PrismaClient, Workflow } from '../generated/prisma/client.ts';
import type { WorkflowDefinition } from '../workflows/definition.ts';

export async function indexEventTriggers(db: PrismaClient, wf: Pick<Workflow, 'id' | 'tenantId' | 'definition' | 'deletedAt'>): Promise<void> {
  const events = wf.deletedAt ? [] : ((wf.definition as WorkflowDefinition | null)?.triggers?.events ?? []);
  await db.$transaction([
    db.workflowEventTrigger.deleteMany({ where: { workflowId: wf.id } }),
    ...(events.length ? [db.workflowEventTrigger.createMany({ data: events.map((e) => ({ tenantId: wf.tenantId, workflowId: wf.id, eventName: e.name, filter: e.filter ?? null })) })] : []),
  ]);
}
