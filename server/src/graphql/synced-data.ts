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
    id: t.exposeID('id', { description: 'Row id (not a global id).' }),
    accountId: t.exposeString('accountId', { description: "Meta's ad account id, without act_." }),
    date: t.expose('date', { type: 'Date', description: "The day, in the ad account's zone." }),
    adId: t.exposeString('adId', { description: "Meta's ad id." }),
    adName: t.exposeString('adName', { nullable: true, description: 'Name of the ad.' }),
    adsetId: t.exposeString('adsetId', { nullable: true, description: "Meta's ad set id." }),
    adsetName: t.exposeString('adsetName', { nullable: true, description: 'Name of the ad set.' }),
    campaignId: t.exposeString('campaignId', { nullable: true, description: "Meta's campaign id." }),
    campaignName: t.exposeString('campaignName', { nullable: true, description: 'Name of the campaign.' }),
    adStatus: t.exposeString('adStatus', { nullable: true, description: 'Effective status of the ad (e.g. ACTIVE, PAUSED).' }),
    marketingAssociate: t.exposeString('marketingAssociate', { nullable: true, description: 'Who runs the ad, read from its name by the sync.' }),
    spend: t.float({ description: "Amount spent that day, in the account's currency.", resolve: (i) => num(i.spend) }),
    impressions: t.float({ description: 'A count; Float because it may exceed 32 bits.', resolve: (i) => num(i.impressions) }),
    clicks: t.float({ description: 'All clicks (a count).', resolve: (i) => num(i.clicks) }),
    inlineLinkClicks: t.float({ description: 'Clicks on links in the ad (a count).', resolve: (i) => num(i.inlineLinkClicks) }),
    leads: t.exposeInt('leads', { description: 'Leads, counted by the action type the integration names (leadActionType).' }),
    actions: t.expose('actions', { type: 'JSON', nullable: true, description: "Meta's actions array as returned." }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime', description: 'When the sync last wrote this row.' }),
  }),
});

const PosOrderRef = builder.prismaObject('PosOrder', {
  description: 'One POS order, as synced from Pancake POS, with its cost of goods.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Row id (not a global id).' }),
    shopId: t.exposeString('shopId', { description: "Pancake's shop id." }),
    orderId: t.exposeString('orderId', { description: "Pancake's order id." }),
    status: t.exposeString('status', { nullable: true, description: "The order's status in Pancake." }),
    orderedAt: t.expose('orderedAt', { type: 'DateTime', description: 'When the order was placed.' }),
    localDate: t.expose('localDate', { type: 'Date', description: "The order's date in the tenant's zone." }),
    totalAmount: t.float({ description: 'What the customer paid.', resolve: (o) => num(o.totalAmount) }),
    cogs: t.float({ description: 'Cost of goods sold, from the product costs.', resolve: (o) => num(o.cogs) }),
    currency: t.exposeString('currency', { nullable: true, description: 'ISO 4217 currency of the amounts.' }),
    itemCount: t.exposeInt('itemCount', { description: 'Units ordered.' }),
    items: t.expose('items', { type: 'JSON', nullable: true, description: 'The order lines as returned by Pancake.' }),
    adMapping: t.exposeString('adMapping', { nullable: true, description: "The label the integration's adMapping gives this order's UTM." }),
    utmCampaign: t.exposeString('utmCampaign', { nullable: true, description: 'utm_campaign of the order.' }),
    utmContent: t.exposeString('utmContent', { nullable: true, description: 'utm_content of the order.' }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime', description: 'When the sync last wrote this row.' }),
  }),
});

const InsightFilterInput = builder.inputType('MetaAdInsightFilter', {
  description: 'Narrows the insights; every given field must match.',
  fields: (t) => ({
    since: t.field({ type: 'Date', description: 'First date (inclusive).' }),
    until: t.field({ type: 'Date', description: 'Last date (inclusive).' }),
    accountId: t.string({ description: 'Only this ad account.' }),
    campaignId: t.string({ description: 'Only this campaign.' }),
  }),
});

const OrderFilterInput = builder.inputType('PosOrderFilter', {
  description: 'Narrows the orders; every given field must match.',
  fields: (t) => ({
    since: t.field({ type: 'Date', description: 'First local date (inclusive).' }),
    until: t.field({ type: 'Date', description: 'Last local date (inclusive).' }),
    shopId: t.string({ description: 'Only this shop.' }),
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
      args: { filter: t.arg({ type: InsightFilterInput, description: 'Which insights; all of them when omitted.' }) },
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
      args: { filter: t.arg({ type: OrderFilterInput, description: 'Which orders; all of them when omitted.' }) },
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
