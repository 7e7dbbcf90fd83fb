import { builder } from './builder.ts';

builder.prismaObject('Tenant', {
  description: 'The organisation an API key belongs to. Everything a key can see belongs to its tenant.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Row id of the tenant.' }),
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    slug: t.exposeString('slug', { description: 'Short unique name, used by the admin CLI.' }),
    timezone: t.exposeString('timezone', { description: 'IANA zone used for schedules and date ranges by default.' }),
    defaultCountry: t.exposeString('defaultCountry', { description: 'ISO 3166 country used to read national phone numbers.' }),
    minScheduleIntervalSeconds: t.exposeInt('minScheduleIntervalSeconds', {
      description: 'Shortest time allowed between two fire times of a workflow schedule; a schedule that fires more often is refused.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

const ViewerRef = builder.objectRef<{ tenantId: string; apiKeyId: string; role: string }>('Viewer');

ViewerRef.implement({
  description: 'The caller: its tenant and the role of its API key.',
  fields: (t) => ({
    role: t.exposeString('role', { description: 'The role of the API key: VIEWER, OPERATOR or ADMIN.' }),
    apiKeyId: t.exposeID('apiKeyId', { description: 'Row id of the API key making the request.' }),
    tenant: t.prismaField({
      type: 'Tenant',
      description: 'The tenant the key belongs to.',
      resolve: (query, viewer, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: viewer.tenantId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    authScopes: { viewer: true },
    description: 'Who is calling: the tenant and role of the API key.',
    resolve: (_root, _args, ctx) => ctx.viewer!,
  }),
);
