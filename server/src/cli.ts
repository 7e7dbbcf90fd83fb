// Operator CLI: `npm run admin -- <command>` (or `tsx server/src/cli.ts <command>`; built:
// `node server/dist/cli.js <command>`). Uses DATABASE_URL when set, else (from the sources only)
// the embedded PostgreSQL of a running `npm start`, or starts the embedded one for the duration
// of the command. The built CLI is for deployments, which always name their database.
// A revocation is announced on Redis (REDIS_URL, or the embedded one) so running api processes
// drop the key and end its subscriptions.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from './db.ts';
import { migrate } from './migrate.ts';
import { createApiKey, ROLES } from './auth/api-keys.ts';
import type { ApiKeyRole } from './generated/prisma/enums.ts';
import { BUNDLED } from './paths.ts';
import { KeyChanges, validUntilOf } from './auth/key-changes.ts';
import { createRedis } from './redis.ts';

const USAGE = `Usage: npm run admin -- <command> [options]

  migrate                                  apply pending migrations
  tenants create --name NAME --slug SLUG [--timezone ZONE] [--country CC]
  tenants list
  tenants set --slug SLUG --min-schedule-interval SECONDS
  keys create --tenant SLUG --role ADMIN|OPERATOR|VIEWER [--name NAME] [--expires-days N] [--persisted-only]
  keys list --tenant SLUG
  keys revoke --prefix PREFIX
  demo clear --tenant SLUG                 delete the generated demo history (runs and log lines
                                           marked demo; from the sources only, like npm start)

The full key is printed once by "keys create"; only its hash is stored.`;

export class UsageError extends Error {}

function need(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing --${flag}`);
  return value;
}

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' }, slug: { type: 'string' }, timezone: { type: 'string' }, country: { type: 'string' },
      tenant: { type: 'string' }, role: { type: 'string' }, 'expires-days': { type: 'string' }, prefix: { type: 'string' },
      'min-schedule-interval': { type: 'string' },
      'persisted-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action] = positionals;
  if (values.help || !group) return out(USAGE);

  const dataDir = path.resolve(process.env.FLOWDECK_DATA_DIR ?? '.data');
  if (!process.env.DATABASE_URL && BUNDLED) throw new UsageError('DATABASE_URL is required');
  // Loaded only when used, so the built CLI does not carry the embedded services.
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await (await import('./dev/embedded.ts')).useEmbedded(dataDir, (l) => console.error(l));
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.databaseUrl;
  const redisUrl = process.env.REDIS_URL ?? embedded?.redisUrl;
  try {
    if (group === 'migrate') {
      const { applied, alreadyApplied } = await migrate(databaseUrl, { log: out });
      return out(`${applied.length} applied, ${alreadyApplied} already applied`);
    }
    const db = createDb(databaseUrl, 2);
    try {
      await runCommand(db, group, action, values, out, redisUrl);
    } finally {
      await db.$disconnect();
    }
  } finally {
    await embedded?.stop();
  }
}

async function runCommand(
  db: ReturnType<typeof createDb>,
  group: string,
  action: string | undefined,
  values: Record<string, string | boolean | undefined>,
  out: (line: string) => void,
  redisUrl?: string,
): Promise<void> {
  const str = (k: string) => values[k] as string | undefined;
  const tenantBySlug = async (slug: string) => {
    const t = await db.tenant.findUnique({ where: { slug } });
    if (!t) throw new UsageError(`no tenant with slug "${slug}"`);
    return t;
  };
  switch (`${group} ${action ?? ''}`.trim()) {
    case 'tenants create': {
      const slug = need(str('slug'), 'slug');
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) throw new UsageError('--slug must be lowercase letters, digits and dashes');
      const timezone = str('timezone') ?? 'Asia/Manila';
      if (!Intl.supportedValuesOf('timeZone').includes(timezone) && timezone !== 'UTC') throw new UsageError(`unknown time zone "${timezone}"`);
      const t = await db.tenant.create({
        data: { name: need(str('name'), 'name'), slug, timezone, defaultCountry: (str('country') ?? 'PH').toUpperCase() },
      });
      return out(`tenant ${t.slug} created (id ${t.id}, zone ${t.timezone})`);
    }
    case 'tenants set': {
      const tenant = await tenantBySlug(need(str('slug'), 'slug'));
      const raw = need(str('min-schedule-interval'), 'min-schedule-interval');
      const seconds = Number(raw);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) throw new UsageError('--min-schedule-interval must be whole seconds from 1 to 86400');
      await db.tenant.update({ where: { id: tenant.id }, data: { minScheduleIntervalSeconds: seconds } });
      // Applies to schedules written from now on; existing ones keep firing as they are.
      return out(`tenant ${tenant.slug}: schedules may fire at most once every ${seconds} s`);
    }
    case 'tenants list': {
      for (const t of await db.tenant.findMany({ orderBy: { createdAt: 'asc' } })) out(`${t.slug}\t${t.name}\t${t.timezone}\t${t.id}`);
      return;
    }
    case 'keys create': {
      const tenant = await tenantBySlug(need(str('tenant'), 'tenant'));
      const role = need(str('role'), 'role').toUpperCase() as ApiKeyRole;
      if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const days = str('expires-days');
      if (days !== undefined && !(Number.isInteger(Number(days)) && Number(days) > 0)) throw new UsageError('--expires-days must be a positive integer');
      const expiresAt = days ? new Date(Date.now() + Number(days) * 86_400_000) : null;
      const { key, apiKey } = await createApiKey(db, { tenantId: tenant.id, name: str('name') ?? `${role.toLowerCase()} key`, role, expiresAt, persistedOnly: values['persisted-only'] === true });
      out(`created ${apiKey.role} key ${apiKey.prefix} for ${tenant.slug}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}. The key (shown once):`);
      return out(key);
    }
    case 'keys list': {
      const tenant = await tenantBySlug(need(str('tenant'), 'tenant'));
      const keys = await db.apiKey.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'asc' } });
      for (const k of keys) {
        const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active';
        out(`${k.prefix}\t${k.role}\t${state}\t${k.name}\tlast used ${k.lastUsedAt?.toISOString() ?? 'never'}`);
      }
      return;
    }
    case 'keys revoke': {
      const prefix = need(str('prefix'), 'prefix');
      const res = await db.apiKey.updateMany({ where: { prefix, revokedAt: null }, data: { revokedAt: new Date() } });
      if (res.count === 0) throw new UsageError(`no active key with prefix "${prefix}"`);
      if (redisUrl) {
        // Best effort: without Redis the api processes still refuse the key within their cache
        // TTL and end its subscriptions at their next re-check.
        const row = await db.apiKey.findUniqueOrThrow({ where: { prefix } });
        const redis = createRedis(redisUrl, { maxRetriesPerRequest: 1 });
        try {
          await new KeyChanges(redis, undefined, process.env.REDIS_PREFIX ?? 'fd').publish({ apiKeyId: row.id, prefix, validUntil: validUntilOf(row) });
        } catch {
          // see above
        } finally {
          redis.disconnect();
        }
      }
      return out(`key ${prefix} revoked`);
    }
    case 'demo clear': {
      const tenant = await tenantBySlug(need(str('tenant'), 'tenant'));
      // The demo lives in server/src/dev, which the built CLI leaves out (as it does `npm start`).
      if (BUNDLED) throw new UsageError('demo clear runs from the sources: npm run admin -- demo clear --tenant SLUG');
      const { clearDemoHistory } = await import('./dev/demo-history-sql.ts');
      const n = await clearDemoHistory(db, tenant.id);
      return out(`tenant ${tenant.slug}: deleted ${n.executions} demo run(s) with their step runs and ${n.logs} demo log line(s)`);
    }
    default:
      throw new UsageError(`unknown command "${group} ${action ?? ''}"\n\n${USAGE}`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runCli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err) => {
      console.error(err instanceof UsageError ? err.message : err);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
