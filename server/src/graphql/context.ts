import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Authenticator, Viewer } from '../auth/authenticator.ts';
import type { EngineDeps } from '../engine/executions.ts';
import type { FlowdeckPubSub } from './pubsub.ts';

/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket). */
export interface GraphQLContext {
  db: PrismaClient;
  /** null for an unauthenticated request; scope-auth refuses every field that needs one. */
  viewer: Viewer | null;
  /** Queues, Redis and the prefix: what triggering, cancelling and scheduling need. */
  engine: EngineDeps;
  pubSub: FlowdeckPubSub;
  /** Key for integration credentials (write-only through the API). */
  encryptionKey: Buffer;
  /** This process's key cache, so a revocation takes effect here at once. */
  authenticator?: Authenticator;
  /** Settings the operations API reads: alert secrets, the outbound guard, log retention. */
  ops: OpsSettings;
}

export interface OpsSettings {
  /** Alert destinations' secrets derive from it (engine/alerts.ts). */
  signingSecret: Buffer;
  /** OUTBOUND_ALLOW_HOSTS: webhook hosts allowed to resolve to private addresses. */
  outboundAllowHosts: readonly string[];
  /** LOG_RETENTION_DAYS: the retention of every level a tenant has not set. */
  defaultLogRetentionDays: number;
}

/** The caller's tenant; only called behind an authScope that guarantees a viewer. */
export function tenantOf(ctx: GraphQLContext): string {
  if (!ctx.viewer) throw new Error('tenantOf called without a viewer');
  return ctx.viewer.tenantId;
}
