// Alerts to tenants' webhooks: run failed, slot missed, drift over threshold, maintenance failed.
// emit() records one AlertDelivery per subscribed destination and enqueues a `deliver-alert`
// job per delivery on the maintenance queue; BullMQ retries failed deliveries with exponential
// backoff and jitter, and every attempt's outcome is written to the delivery row.
//
// Threat model: destination URLs are tenant input, so every attempt goes through the injected
// outbound-address guard (no requests to our own network), redirects are not followed (a
// redirect could point past the guard), and responses are never read back into anything a
// tenant sees beyond the status code. Receivers verify `x-flowdeck-signature`, an HMAC-SHA256
// over `${timestamp}.${body}` under the destination's secret, and reject old timestamps.
import { createHmac } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { guardedFetch, type OutboundOptions } from '../security/outbound-guard.ts';
import type { AlertEvent } from '../generated/prisma/enums.ts';
import type { Logger } from '../logger.ts';
import { redactValue } from '../logs/redact.ts';
import type { Queues } from './queues.ts';

export const DELIVER_ALERT_JOB = 'deliver-alert';
export const ALERT_ATTEMPTS = 5;

export interface AlertEmitter {
  /** tenantId null: an operator-level event (maintenance) goes to every subscribed destination. */
  emit(tenantId: string | null, event: AlertEvent, data: Record<string, unknown>): Promise<void>;
}

/** A destination's signing secret: derived, never stored; the API shows it to the tenant. */
export function destinationSecret(signingSecret: Buffer, destinationId: string): string {
  return createHmac('sha256', signingSecret).update(`alert-destination:${destinationId}`).digest('hex');
}

export function signAlert(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class AlertService implements AlertEmitter {
  constructor(private readonly deps: { db: PrismaClient; queues: Queues; logger: Logger; retryDelayMs?: number }) {}

  async emit(tenantId: string | null, event: AlertEvent, data: Record<string, unknown>): Promise<void> {
    try {
      const destinations = await this.deps.db.alertDestination.findMany({
        where: { enabled: true, events: { has: event }, ...(tenantId ? { tenantId } : {}) },
        select: { id: true, tenantId: true },
      });
      // Redacted before it is stored: the body goes to an outside URL, retries re-read it, and
      // the Alerts page lists it. Failure text can carry whatever the run was handling.
      const payload = redactValue(data) as Prisma.InputJsonObject;
      for (const d of destinations) {
        const delivery = await this.deps.db.alertDelivery.create({
          data: { tenantId: d.tenantId, destinationId: d.id, event, payload },
        });
        await this.deps.queues.maintenance.add(
          DELIVER_ALERT_JOB,
          { deliveryId: delivery.id },
          {
            jobId: `alert-${delivery.id}`,
            attempts: ALERT_ATTEMPTS,
            backoff: { type: 'exponential', delay: this.deps.retryDelayMs ?? 5_000, jitter: 0.5 },
            removeOnComplete: { count: 1000 },
            removeOnFail: { count: 1000 },
          },
        );
      }
    } catch (err) {
      // An alert that cannot be recorded must not fail the run or slot that raised it.
      this.deps.logger.error({ err, event, tenantId }, 'could not record an alert');
    }
  }
}

export interface DeliverDeps {
  db: PrismaClient;
  signingSecret: Buffer;
  /** The outbound-address (SSRF) guard; throws for addresses we must not call. */
  assertOutboundUrl(url: string): Promise<void>;
  /**
   * Options of the connect-time check the POST itself goes through (guardedFetch), so a name
   * that re-resolves to a private address after the check above is still refused.
   */
  outbound?: OutboundOptions;
  timeoutMs?: number;
  now?: () => Date;
}

/** One delivery attempt; throws to have BullMQ retry, UnrecoverableError when retrying is pointless. */
export async function deliverAlert(deps: DeliverDeps, deliveryId: string, attempt: number, lastAttempt: boolean): Promise<void> {
  const delivery = await deps.db.alertDelivery.findUnique({ where: { id: deliveryId }, include: { destination: true } });
  if (!delivery || delivery.status === 'DELIVERED') return;
  const record = (data: Prisma.AlertDeliveryUpdateInput) => deps.db.alertDelivery.update({ where: { id: deliveryId }, data: { attempts: attempt, ...data } });
  try {
    await deps.assertOutboundUrl(delivery.destination.url);
  } catch (err) {
    await record({ status: 'FAILED', lastError: `blocked by the outbound-address guard: ${(err as Error).message}` });
    throw new UnrecoverableError('destination blocked');
  }
  const now = (deps.now ?? (() => new Date()))();
  const body = JSON.stringify({ id: delivery.id, event: delivery.event, tenantId: delivery.tenantId, createdAt: delivery.createdAt.toISOString(), data: delivery.payload });
  const timestamp = Math.floor(now.getTime() / 1000);
  let status: number | undefined;
  let error: string | undefined;
  try {
    const res = await guardedFetch(delivery.destination.url, {
      ...deps.outbound,
      method: 'POST',
      maxRedirects: 0,
      timeoutMs: deps.timeoutMs ?? 10_000,
      maxBodyBytes: 64 * 1024,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Flowdeck-Alerts/1',
        'x-flowdeck-event': delivery.event,
        'x-flowdeck-delivery': delivery.id,
        'x-flowdeck-timestamp': String(timestamp),
        'x-flowdeck-signature': signAlert(destinationSecret(deps.signingSecret, delivery.destinationId), timestamp, body),
      },
      body,
    });
    status = res.status;
    if (res.status >= 200 && res.status < 300) {
      await record({ status: 'DELIVERED', lastStatus: res.status, lastError: null, deliveredAt: now });
      return;
    }
    error = `HTTP ${res.status}`;
  } catch (err) {
    error = (err as Error).message;
  }
  await record({ status: lastAttempt ? 'FAILED' : 'PENDING', lastStatus: status ?? null, lastError: error });
  throw new Error(`alert delivery ${deliveryId} failed: ${error}`);
}
