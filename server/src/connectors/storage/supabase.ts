// Supabase Storage through @supabase/supabase-js. The server answers most errors with HTTP 400
// and the real status in the body's statusCode string (EXTERNAL_APIS.md §4.4), so errors are
// classified by that: 429/500/503/544 and network failures are retried, the rest are permanent.
import { createClient } from '@supabase/supabase-js';
import { backoffDelay, sleep } from '../http.ts';
import { tracedFetch, withAttempt } from '../../tracing/http-client.ts';
import { assertValidKey, StorageError, type ObjectStorage } from './storage.ts';

export interface SupabaseStorageOptions {
  url: string;
  serviceKey: string;
  bucket: string;
  maxAttempts?: number;
  backoffBaseMs?: number;
}

const TRANSIENT = new Set(['429', '500', '502', '503', '504', '544']);

export class SupabaseStorage implements ObjectStorage {
  readonly driver = 'supabase' as const;
  private readonly client;

  constructor(private readonly opts: SupabaseStorageOptions) {
    this.client = createClient(opts.url, opts.serviceKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Each request a CLIENT span of the step or render that stores (a plain fetch when tracing is off).
      global: { fetch: tracedFetch('supabase') },
    });
  }

  private bucket() {
    return this.client.storage.from(this.opts.bucket);
  }

  private async call<T>(what: string, op: () => Promise<{ data: T | null; error: unknown }>): Promise<T> {
    const max = this.opts.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let failure: StorageError;
      try {
        const { data, error } = await withAttempt(attempt, op);
        if (!error) return data as T;
        const e = error as { statusCode?: string; status?: number; message?: string; name?: string };
        const code = String(e.statusCode ?? e.status ?? '');
        // StorageUnknownError = no HTTP answer (network); retry those too.
        const transient = TRANSIENT.has(code) || e.name === 'StorageUnknownError';
        failure = new StorageError(`Supabase ${what} failed: ${e.message ?? 'unknown error'} (${code || e.name})`, transient, code || undefined);
      } catch (err) {
        failure = new StorageError(`Supabase ${what} failed: ${(err as Error).message}`, true);
      }
      if (!failure.transient || attempt >= max) throw failure;
      await sleep(backoffDelay(attempt, this.opts.backoffBaseMs ?? 500, 10_000));
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    assertValidKey(key);
    await this.call('upload', () => this.bucket().upload(key, body, { upsert: true, contentType }));
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    assertValidKey(key);
    const data = await this.call('createSignedUrl', () => this.bucket().createSignedUrl(key, ttlSeconds));
    return data.signedUrl;
  }

  async remove(keys: string[]): Promise<void> {
    keys.forEach(assertValidKey);
    await this.call('remove', () => this.bucket().remove(keys));
  }
}
