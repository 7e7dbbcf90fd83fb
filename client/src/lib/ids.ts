/** A random idempotency key. crypto.randomUUID exists only in secure contexts (https, localhost). */
export function randomKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The row id inside a Relay global id (base64 of "Type:uuid"). GraphQL takes global ids; the
 * plain-HTTP export route takes row ids.
 */
export function rowId(globalId: string): string {
  try {
    const decoded = atob(globalId);
    const sep = decoded.indexOf(':');
    return sep > 0 ? decoded.slice(sep + 1) : globalId;
  } catch {
    return globalId;
  }
}
