// graphql-armor's document limits (depth, aliases, tokens, directives) with a stable
// extensions.code on each refusal, so clients can tell "my document is too big" from a bug
// without parsing messages (which change with GRAPHQL_INTROSPECTION's exposeLimits).
// The cost limit is not armor's: armor only multiplies by literal `first`/`last`, so a page size
// passed as a variable cost nothing; use-cost-limit.ts computes it with the variables applied.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Config } from '../../config.ts';

export const LIMIT_CODES = {
  depth: 'DEPTH_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  tokens: 'TOKEN_LIMIT_EXCEEDED',
  directives: 'DIRECTIVE_LIMIT_EXCEEDED',
} as const;

/** Armor throws a plain GraphQLError after its onReject handlers; they add the code to it. */
function withCode(code: string) {
  return [(_ctx: unknown, err: GraphQLError) => void Object.assign(err.extensions as Record<string, unknown>, { code })];
}

export function useArmorLimits(limits: Config['graphql']) {
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: limits.introspection, onReject: withCode(LIMIT_CODES.depth) },
    maxAliases: { n: limits.maxAliases, exposeLimits: limits.introspection, onReject: withCode(LIMIT_CODES.aliases) },
    maxTokens: { n: limits.maxTokens, exposeLimits: limits.introspection, onReject: withCode(LIMIT_CODES.tokens) },
    costLimit: { enabled: false },
    maxDirectives: { n: 50, onReject: withCode(LIMIT_CODES.directives) },
    blockFieldSuggestion: { enabled: !limits.introspection },
  });
}
