import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptJson, encryptJson } from './crypto.ts';

describe('credential encryption', () => {
  const key = randomBytes(32);

  it('round-trips and never stores the plaintext', () => {
    const secret = { accessToken: '1234567.AbCdEf', pageId: 42 };
    const stored = encryptJson(key, secret);
    expect(stored).not.toContain('AbCdEf');
    expect(decryptJson(key, stored)).toEqual(secret);
    expect(encryptJson(key, secret)).not.toBe(stored); // fresh nonce each time
  });

  it('refuses a tampered value or the wrong key', () => {
    const stored = Buffer.from(encryptJson(key, { a: 1 }), 'base64');
    stored[stored.length - 1]! ^= 1;
    expect(() => decryptJson(key, stored.toString('base64'))).toThrow();
    expect(() => decryptJson(randomBytes(32), encryptJson(key, { a: 1 }))).toThrow();
  });
});
