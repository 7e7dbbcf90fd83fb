import { afterAll, describe, expect, it } from 'vitest';
import { runCli, UsageError } from '../src/cli.ts';
import { Authenticator } from '../src/auth/authenticator.ts';
import { createRedis } from '../src/redis.ts';
import { testDb } from './helpers.ts';

const db = testDb();
afterAll(() => db.$disconnect());

async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, (l) => lines.push(l));
  return lines;
}

describe('admin CLI', () => {
  it('creates a tenant and a key that authenticates, lists it, and revokes it', async () => {
    const slug = `cli-${Date.now().toString(36)}`;
    expect(await cli('tenants', 'create', '--name', 'CLI Co', '--slug', slug, '--timezone', 'America/New_York')).toEqual([
      expect.stringMatching(new RegExp(`^tenant ${slug} created .*zone America/New_York`)),
    ]);
    const created = await cli('keys', 'create', '--tenant', slug, '--role', 'operator');
    const key = created[1]!;
    expect(key).toMatch(/^fd_[a-z0-9]{12}_[a-z0-9]{40}$/);
    const prefix = key.split('_')[1]!;
    const auth = new Authenticator(db, { cacheTtlMs: 0 });
    expect(await auth.authenticate(key)).toMatchObject({ role: 'OPERATOR' });
    const listed = await cli('keys', 'list', '--tenant', slug);
    expect(listed).toEqual([expect.stringMatching(new RegExp(`^${prefix}\\tOPERATOR\\tactive`))]);
    expect(listed.join('\n')).not.toContain(key.split('_')[2]);
    // The revocation is announced to running api processes (which drop the key and end its subscriptions).
    const listener = createRedis(process.env.REDIS_URL!);
    const announced = new Promise<string>((resolve) => listener.on('message', (_channel, message) => resolve(message)));
    await listener.subscribe(`${process.env.REDIS_PREFIX ?? 'fd'}:apikey-changed`);
    expect(await cli('keys', 'revoke', '--prefix', prefix)).toEqual([`key ${prefix} revoked`]);
    expect(await auth.authenticate(key)).toBeNull();
    expect(JSON.parse(await announced)).toMatchObject({ prefix, apiKeyId: expect.any(String), validUntil: expect.any(Number) });
    listener.disconnect();
  });

  it('sets a tenant\'s minimum schedule interval and creates persisted-only keys', async () => {
    const slug = `cli-p-${Date.now().toString(36)}`;
    await cli('tenants', 'create', '--name', 'CLI P', '--slug', slug);
    expect(await cli('tenants', 'set', '--slug', slug, '--min-schedule-interval', '300')).toEqual([`tenant ${slug}: schedules may fire at most once every 300 s`]);
    expect((await db.tenant.findUniqueOrThrow({ where: { slug } })).minScheduleIntervalSeconds).toBe(300);
    await expect(cli('tenants', 'set', '--slug', slug, '--min-schedule-interval', '0')).rejects.toBeInstanceOf(UsageError);
    const key = (await cli('keys', 'create', '--tenant', slug, '--role', 'viewer', '--persisted-only'))[1]!;
    expect(await new Authenticator(db, { cacheTtlMs: 0 }).authenticate(key)).toMatchObject({ role: 'VIEWER', persistedOnly: true });
  });

  it('answers bad input with a usage error and changes nothing', async () => {
    await expect(cli('tenants', 'create', '--name', 'X', '--slug', 'Bad Slug!')).rejects.toBeInstanceOf(UsageError);
    const slug = `ok-${Date.now().toString(36)}`;
    await expect(cli('tenants', 'create', '--name', 'X', '--slug', slug, '--timezone', 'Mars/Base')).rejects.toThrow(/unknown time zone/);
    await expect(cli('keys', 'create', '--tenant', 'no-such-tenant', '--role', 'ADMIN')).rejects.toThrow(/no tenant/);
    await expect(cli('keys', 'revoke', '--prefix', 'zzzzzzzzzzzz')).rejects.toThrow(/no active key/);
    expect(await db.tenant.findUnique({ where: { slug } })).toBeNull();
    expect(await db.tenant.findUnique({ where: { slug: 'Bad Slug!' } })).toBeNull();
  });
});
