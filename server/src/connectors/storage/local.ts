// Local-disk storage. Signed links are `${publicUrl}/files/<key>?exp=<unix s>&sig=<hmac>`, where
// sig = HMAC-SHA256(SIGNING_SECRET, "<key>\n<exp>"); http/files.ts serves them. Keys are
// validated (storage.ts) and the resolved path must stay under the root, so a link can never
// name a file outside it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertValidKey, type ObjectStorage } from './storage.ts';

export interface LocalStorageOptions {
  root: string;
  publicUrl: string;
  signingSecret: Buffer;
  now?: () => number;
}

export function signLocalKey(secret: Buffer, key: string, exp: number): string {
  return createHmac('sha256', secret).update(`${key}\n${exp}`).digest('base64url');
}

export function verifyLocalSignature(secret: Buffer, key: string, exp: number, sig: string, nowMs = Date.now()): boolean {
  if (!Number.isInteger(exp) || exp * 1000 < nowMs) return false;
  const expected = Buffer.from(signLocalKey(secret, key, exp));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The absolute path of a key under root, or null if it would escape it. */
export function resolveUnder(root: string, key: string): string | null {
  const base = path.resolve(root);
  const full = path.resolve(base, key);
  return full.startsWith(base + path.sep) ? full : null;
}

export class LocalStorage implements ObjectStorage {
  readonly driver = 'local' as const;
  constructor(private readonly opts: LocalStorageOptions) {}

  get root(): string {
    return path.resolve(this.opts.root);
  }

  private file(key: string): string {
    const full = resolveUnder(this.opts.root, assertValidKey(key));
    if (!full) throw new Error(`storage key escapes the root: ${key}`);
    return full;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, file);
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    assertValidKey(key);
    const exp = Math.floor((this.opts.now?.() ?? Date.now()) / 1000) + ttlSeconds;
    const sig = signLocalKey(this.opts.signingSecret, key, exp);
    return `${this.opts.publicUrl.replace(/\/+$/, '')}/files/${key}?exp=${exp}&sig=${sig}`;
  }

  async remove(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.file(key), { force: true });
  }
}
