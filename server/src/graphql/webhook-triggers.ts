// Webhook triggers of a workflow: Workflow.webhookTriggers and the ADMIN mutations. Writes and
// the threat model live in triggers/webhook-triggers.ts; deliveries in triggers/webhook-route.ts.
import type { WebhookTrigger } from '../generated/prisma/client.ts';
import { ValidationError } from '../errors.ts';
import { createWebhookTrigger, deleteWebhookTrigger, rotateWebhookTriggerSecret, updateWebhookTrigger, WEBHOOK_PATH_PREFIX, DEFAULT_ROTATION_OVERLAP_SECONDS, type WebhookDeps } from '../triggers/webhook-triggers.ts';
import { builder } from './builder.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { requireLocalId } from './ids.ts';

const SIGNING_HELP = 'Sign each request: x-flowdeck-timestamp = unix seconds, x-flowdeck-signature = "sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>" under this secret.';

export const WebhookTriggerRef = builder.prismaNode('WebhookTrigger', {
  description: 'An inbound webhook of a workflow: a signed POST of a JSON object to its path starts a run with the object as input (trigger WEBHOOK).',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    path: t.string({ description: 'Where to POST deliveries, relative to the server (e.g. /hooks/AbC…); the random token in it is not a secret by itself.', resolve: (w) => `${WEBHOOK_PATH_PREFIX}${w.token}` }),
    enabled: t.exposeBoolean('enabled', { description: 'False answers every delivery 404 without deleting anything.' }),
    payloadSchema: t.expose('payloadSchema', { type: 'JSON', nullable: true, description: 'JSON Schema a payload must satisfy (else HTTP 422 and no run); null accepts any object.' }),
    idempotencyKeyHeader: t.exposeString('idempotencyKeyHeader', { nullable: true, description: 'Request header whose value identifies a delivery: a repeat within 24 h returns the first run.' }),
    idempotencyKeyPath: t.exposeString('idempotencyKeyPath', { nullable: true, description: 'Dot path into the payload whose value identifies a delivery (instead of a header).' }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute', { description: 'Deliveries accepted per minute (sliding window); more get HTTP 429 with Retry-After. 0 = unlimited.' }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', { type: 'DateTime', nullable: true, description: 'After a rotation: until when the previous secret is still accepted; null when there is none.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

builder.prismaObjectField('Workflow', 'webhookTriggers', (t) =>
  t.relation('webhookTriggers', {
    description: "This workflow's webhook triggers, oldest first. Secrets are never shown here.",
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);

const fields = {
  payloadSchema: 'JSON Schema the payload must satisfy; null accepts any JSON object.',
  idempotencyKeyHeader: 'Request header carrying the idempotency key (e.g. x-request-id); null = the signature is the key.',
  idempotencyKeyPath: 'Dot path into the payload carrying the idempotency key (e.g. order.id); not together with a header.',
  rateLimitPerMinute: 'Deliveries per minute before HTTP 429; 0 = unlimited (default 600).',
};

const CreateWebhookTriggerInput = builder.inputType('CreateWebhookTriggerInput', {
  description: 'A new webhook trigger.',
  fields: (t) => ({
    workflowId: t.id({ required: true, description: 'Global id of the workflow it starts.' }),
    name: t.string({ required: true, description: '1 to 200 characters.' }),
    payloadSchema: t.field({ type: 'JSON', description: fields.payloadSchema }),
    idempotencyKeyHeader: t.string({ description: fields.idempotencyKeyHeader }),
    idempotencyKeyPath: t.string({ description: fields.idempotencyKeyPath }),
    rateLimitPerMinute: t.int({ description: fields.rateLimitPerMinute }),
    enabled: t.boolean({ defaultValue: true, description: 'False creates it paused.' }),
  }),
});

const UpdateWebhookTriggerInput = builder.inputType('UpdateWebhookTriggerInput', {
  description: 'Fields left out stay as they are; null clears the optional ones.',
  fields: (t) => ({
    name: t.string({ description: '1 to 200 characters.' }),
    payloadSchema: t.field({ type: 'JSON', description: fields.payloadSchema }),
    idempotencyKeyHeader: t.string({ description: fields.idempotencyKeyHeader }),
    idempotencyKeyPath: t.string({ description: fields.idempotencyKeyPath }),
    rateLimitPerMinute: t.int({ description: fields.rateLimitPerMinute }),
    enabled: t.boolean({ description: 'False answers deliveries 404 until enabled again.' }),
  }),
});

const WebhookTriggerSecretPayload = (name: string) =>
  builder.objectRef<{ webhookTrigger: WebhookTrigger; signingSecret: string }>(name).implement({
    description: 'The trigger and its new signing secret, shown only here, once.',
    fields: (t) => ({
      webhookTrigger: t.field({ type: WebhookTriggerRef, nullable: false, description: 'The trigger as it is now.', resolve: (p) => p.webhookTrigger }),
      signingSecret: t.exposeString('signingSecret', { description: `${SIGNING_HELP} Store it now: it is never shown again.` }),
    }),
  });
const CreateWebhookTriggerPayload = WebhookTriggerSecretPayload('CreateWebhookTriggerPayload');
const RotateWebhookTriggerSecretPayload = WebhookTriggerSecretPayload('RotateWebhookTriggerSecretPayload');

const WebhookTriggerPayload = builder.objectRef<{ webhookTrigger: WebhookTrigger }>('WebhookTriggerPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ webhookTrigger: t.field({ type: WebhookTriggerRef, nullable: false, description: 'The trigger as it is now.', resolve: (p) => p.webhookTrigger }) }),
});

const DeleteWebhookTriggerPayload = builder.objectRef<{ id: string }>('DeleteWebhookTriggerPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ deletedWebhookTriggerId: t.exposeID('id', { description: 'Global id of the deleted trigger.' }) }),
});

const deps = (ctx: GraphQLContext): WebhookDeps => ({ db: ctx.db, encryptionKey: ctx.encryptionKey });
const result = (name: string) => ({ types: MUTATION_ERRORS, directResult: true as const, union: { name } });
const idArg = (t: { arg: { id: (o: { required: true; description: string }) => any } }) => t.arg.id({ required: true, description: 'Global id of the webhook trigger.' });

builder.mutationFields((t) => ({
  createWebhookTrigger: t.field({
    description: 'Adds a webhook URL to a workflow; the answer carries its signing secret, once (ADMIN).',
    type: CreateWebhookTriggerPayload,
    authScopes: { role: 'ADMIN' },
    errors: result('CreateWebhookTriggerResult'),
    args: { input: t.arg({ type: CreateWebhookTriggerInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => {
      const { workflowId, ...rest } = input;
      const { trigger, secret } = await createWebhookTrigger(deps(ctx), tenantOf(ctx), requireLocalId(String(workflowId), 'Workflow'), { ...rest, payloadSchema: rest.payloadSchema ?? undefined });
      return { webhookTrigger: trigger, signingSecret: secret };
    },
  }),
  updateWebhookTrigger: t.field({
    description: 'Changes the given fields of a webhook trigger (ADMIN).',
    type: WebhookTriggerPayload,
    authScopes: { role: 'ADMIN' },
    errors: result('UpdateWebhookTriggerResult'),
    args: { id: idArg(t), input: t.arg({ type: UpdateWebhookTriggerInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { id, input }, ctx) => {
      if (input.name === null) throw new ValidationError([{ path: 'input.name', message: 'cannot be null' }]);
      return { webhookTrigger: await updateWebhookTrigger(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'WebhookTrigger'), input) };
    },
  }),
  rotateWebhookTriggerSecret: t.field({
    description: 'Issues a new signing secret (shown once); the old one keeps working for overlapSeconds so senders can switch (ADMIN).',
    type: RotateWebhookTriggerSecretPayload,
    authScopes: { role: 'ADMIN' },
    errors: result('RotateWebhookTriggerSecretResult'),
    args: {
      id: idArg(t),
      overlapSeconds: t.arg.int({ defaultValue: DEFAULT_ROTATION_OVERLAP_SECONDS, description: 'How long the previous secret stays valid, 0 (revoke now) to 2592000; default 86400 (24 h).' }),
    },
    resolve: async (_root, { id, overlapSeconds }, ctx) => {
      const { trigger, secret } = await rotateWebhookTriggerSecret(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'WebhookTrigger'), overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS);
      return { webhookTrigger: trigger, signingSecret: secret };
    },
  }),
  deleteWebhookTrigger: t.field({
    description: 'Deletes a webhook trigger; its URL answers 404 from then on (ADMIN).',
    type: DeleteWebhookTriggerPayload,
    authScopes: { role: 'ADMIN' },
    errors: result('DeleteWebhookTriggerResult'),
    args: { id: idArg(t) },
    resolve: async (_root, { id }, ctx) => {
      await deleteWebhookTrigger(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'WebhookTrigger'));
      return { id: String(id) };
    },
  }),
}));
