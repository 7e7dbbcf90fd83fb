// Data the sync steps store: Meta Ads insights (one row per ad per day) and POS orders. Read
// only; newest date first, keyset on (date, id).
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { MetaAdInsight, PosOrder, Prisma } from '../generated/prisma/client.ts';
import { builder } from './builder.ts';
import { CAPPED_COUNT_DESCRIPTION, keysetConnection, TOTAL_COUNT_CAP } from './connection.ts';
import { tenantOf } from './context.ts';

const num = (v: { toString(): string } | number | bigint) => Number(v.toString());

const MetaAdInsightRef = builder.prismaObject('MetaAdInsight', {
  description: 'One ad on one day, as synced from the Meta Marketing API.',
  fields: (t) => ({
    id: t.exposeID('id'),
    accountId: t.exposeString('accountId', { description: "Meta's ad account id, without act_." }),
    date: t.expose('date', { type: 'Date' }),
    adId: t.exposeString('adId'),
    adName: t.exposeString('adName', { nullable: true }),
    adsetId: t.exposeString('adsetId', { nullable: true }),
    adsetName: t.exposeString('adsetName', { nullable: true }),
    campaignId: t.exposeString('campaignId', { nullable: true }),
    campaignName: t.exposeString('campaignName', { nullable: true }),
    adStatus: t.exposeString('adStatus', { nullable: true }),
    marketingAssociate: t.exposeString('marketingAssociate', { nullable: true }),
    spend: t.float({ resolve: (i) => num(i.spend) }),
    impressions: t.float({ description: 'A count; Float because it may exceed 32 bits.', resolve: (i) => num(i.impressions) }),
    clicks: t.float({ resolve: (i) => num(i.clicks) }),
    inlineLinkClicks: t.float({ resolve: (i) => num(i.inlineLinkClicks) }),
    leads: t.exposeInt('leads'),
    actions: t.expose('actions', { type: 'JSON', nullable: true }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime' }),
  }),
});

const PosOrderRef = builder.prismaObject('PosOrder', {
  description: 'One POS order, as synced from Pancake POS, with its cost of goods.',
  fields: (t) => ({
    id: t.exposeID('id'),
    shopId: t.exposeString('shopId'),
    orderId: t.exposeString('orderId'),
    status: t.exposeString('status', { nullable: true }),
    orderedAt: t.expose('orderedAt', { type: 'DateTime' }),
    localDate: t.expose('localDate', { type: 'Date', description: "The order's date in the tenant's zone." }),
    totalAmount: t.float({ resolve: (o) => num(o.totalAmount) }),
    cogs: t.float({ resolve: (o) => num(o.cogs) }),
    currency: t.exposeString('currency', { nullable: true }),
    itemCount: t.exposeInt('itemCount'),
    items: t.expose('items', { type: 'JSON', nullable: true }),
    adMapping: t.exposeString('adMapping', { nullable: true }),
    utmCampaign: t.exposeString('utmCampaign', { nullable: true }),
    utmContent: t.exposeString('utmContent', { nullable: true }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime' }),
  }),
});

const InsightFilterInput = builder.inputType('MetaAdInsightFilter', {
  fields: (t) => ({
    since: t.field({ type: 'Date', description: 'First date (inclusive).' }),
    until: t.field({ type: 'Date', description: 'Last date (inclusive).' }),
    accountId: t.string(),
    campaignId: t.string(),
  }),
});

const OrderFilterInput = builder.inputType('PosOrderFilter', {
  fields: (t) => ({
    since: t.field({ type: 'Date', description: 'First local date (inclusive).' }),
    until: t.field({ type: 'Date', description: 'Last local date (inclusive).' }),
    shopId: t.string(),
    campaign: t.string({ description: 'The utm_campaign the order carries.' }),
  }),
});

function dateRange(since?: Date | null, until?: Date | null) {
  return since || until ? { ...(since ? { gte: since } : {}), ...(until ? { lte: until } : {}) } : undefined;
}

builder.queryFields((t) => ({
  metaAdInsights: t.connection(
    {
      type: MetaAdInsightRef,
      authScopes: { viewer: true },
      description: 'Newest date first.',
      args: { filter: t.arg({ type: InsightFilterInput }) },
      resolve: (_root, args, ctx, info) => {
        const f = args.filter;
        const where: Prisma.MetaAdInsightWhereInput = {
          tenantId: tenantOf(ctx),
          ...(f?.accountId ? { accountId: f.accountId } : {}),
          ...(f?.campaignId ? { campaignId: f.campaignId } : {}),
          ...(dateRange(f?.since, f?.until) ? { date: dateRange(f?.since, f?.until) } : {}),
        };
        return keysetConnection<MetaAdInsight>({
          kind: 'MetaAdInsight',
          args,
          sortField: 'date',
          keyOf: (i) => ({ sort: i.date, id: i.id }),
          fetch: (page) => ctx.db.metaAdInsight.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.metaAdInsight.count({ where, take: TOTAL_COUNT_CAP }),
        });
      },
    },
    { name: 'MetaAdInsightConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
  posOrders: t.connection(
    {
      type: PosOrderRef,
      authScopes: { viewer: true },
      description: 'Newest local date first.',
      args: { filter: t.arg({ type: OrderFilterInput }) },
      resolve: (_root, args, ctx, info) => {
        const f = args.filter;
        const where: Prisma.PosOrderWhereInput = {
          tenantId: tenantOf(ctx),
          ...(f?.shopId ? { shopId: f.shopId } : {}),
          ...(f?.campaign ? { utmCampaign: f.campaign } : {}),
          ...(dateRange(f?.since, f?.until) ? { localDate: dateRange(f?.since, f?.until) } : {}),
        };
        return keysetConnection<PosOrder>({
          kind: 'PosOrder',
          args,
          sortField: 'localDate',
          keyOf: (o) => ({ sort: o.localDate, id: o.id }),
          fetch: (page) => ctx.db.posOrder.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.posOrder.count({ where, take: TOTAL_COUNT_CAP }),
        });
      },
    },
    { name: 'PosOrderConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
}));
