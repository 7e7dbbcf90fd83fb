// Object storage behind one small interface: local disk (the embedded default; links served
// and verified by our own HTTP server) or Supabase Storage. Keys are relative paths such as
// receipts/<jobId>.pdf; puts overwrite, so a re-run of a step stores the same object again.

export interface ObjectStorage {
  readonly driver: 'local' | 'supabase';
  /** Stores (or replaces) the object. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** A link anyone holding it can fetch until it expires. */
  signedUrl(key: string, ttlSeconds: number): Promise<string>;
  remove(keys: string[]): Promise<void>;
}

export class StorageError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Keys are plain relative paths: no "..", no leading "/", no backslashes or control characters. */
export function assertValidKey(key: string): string {
  const segments = typeof key === 'string' ? key.split('/') : [];
  if (!key || key.length > 512 || segments.some((s) => !SEGMENT.test(s) || s === '..' || s.includes('..'))) {
    throw new StorageError(`invalid storage key "${String(key).slice(0, 80)}"`, false, 'INVALID_KEY');
  }
  return key;
}
