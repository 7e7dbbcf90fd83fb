// Revocations, rotations and expiry changes of API keys, pushed to every api process.
//
// Why: each process caches key rows (authenticator.ts) and holds long-lived subscriptions that
// were authenticated once. Without a push, a revoked key kept working for the cache's TTL and
// its open subscriptions kept streaming for as long as they stayed open. The process that
// changes a key publishes the change on one Redis channel; every process (itself included)
// drops the cached row and ends that key's subscriptions (graphql/plugins/use-key-revocation.ts).
// A message lost while Redis reconnects is covered by the cache's short TTL and by the
// subscriptions' periodic re-check.
import type { Redis } from 'ioredis';

export interface KeyChange {
  apiKeyId: string;
  prefix: string;
  /** Epoch ms from which the key no longer works (revocation or expiry); null = no end. */
  validUntil: number | null;
}

export type KeyChangeListener = (change: KeyChange) => void;

/** The moment a key row stops working: the earlier of its revocation and its expiry. */
export function validUntilOf(row: { revokedAt: Date | null; expiresAt: Date | null }): number | null {
  const ends = [row.revokedAt, row.expiresAt].filter((d): d is Date => d !== null).map((d) => d.getTime());
  return ends.length ? Math.min(...ends) : null;
}

export class KeyChanges {
  private readonly listeners = new Set<KeyChangeListener>();
  readonly channel: string;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel !== this.channel) return;
    try {
      this.emit(JSON.parse(message) as KeyChange);
    } catch {
      // A malformed message changes nothing; the TTL and the re-check still apply.
    }
  };

  /** Without Redis (tests, the CLI), changes reach this process's listeners only. */
  constructor(
    private readonly redis?: { publish: Redis['publish'] },
    private readonly subscriber?: Redis,
    redisPrefix = 'fd',
  ) {
    this.channel = `${redisPrefix}:apikey-changed`;
  }

  async start(): Promise<void> {
    if (!this.subscriber) return;
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    if (!this.subscriber) return;
    this.subscriber.off('message', this.onMessage);
    await this.subscriber.unsubscribe(this.channel).catch(() => {});
  }

  on(listener: KeyChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies the change here at once, then tells every other process. */
  async publish(change: KeyChange): Promise<void> {
    this.emit(change);
    await this.redis?.publish(this.channel, JSON.stringify(change));
  }

  private emit(change: KeyChange): void {
    for (const l of this.listeners) l(change);
  }
}
