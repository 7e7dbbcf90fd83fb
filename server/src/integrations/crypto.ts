// Integration credentials at rest: AES-256-GCM with a random 96-bit nonce per write, stored as
// base64 of version byte | nonce | tag | ciphertext. The tag authenticates, so a tampered or
// wrongly keyed value fails to decrypt instead of yielding garbage.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;

export function encryptJson(key: Buffer, value: unknown): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]).toString('base64');
}

export function decryptJson<T = unknown>(key: Buffer, stored: string): T {
  const buf = Buffer.from(stored, 'base64');
  if (buf.length < 29 || buf[0] !== VERSION) throw new Error('unrecognised credential format');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 13));
  decipher.setAuthTag(buf.subarray(13, 29));
  const plain = Buffer.concat([decipher.update(buf.subarray(29)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as T;
}
