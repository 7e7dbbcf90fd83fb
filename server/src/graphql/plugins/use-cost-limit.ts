// Refuses operations whose computed cost is above maxCost, with the variables applied.
//
// Threat model: a page size is what makes a document expensive (100 executions × 100 step
// runs…). Armor's cost rule runs in validation, before variables exist, so `first: $n` counted
// as 1 and a partner could ask for the most expensive shape by moving the sizes into variables.
// This runs in onExecute/onSubscribe, where the variables (and their defaults) are known, on
// HTTP and WebSocket alike (ws.ts executes through the same envelope).
//
// The formula is armor's (objects 2, scalars 1, ×1.5 per level, × first/last), so the limits
// sized for the dashboard's documents keep their meaning.
import {
  GraphQLError,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refuseOperations } from './refuse-operation.ts';

export const COST_LIMIT_CODE = 'COST_LIMIT_EXCEEDED';

export interface CostLimitOptions {
  maxCost: number;
  /** Say the limit and the cost in the message (off in production with introspection). */
  exposeLimits?: boolean;
  objectCost?: number;
  scalarCost?: number;
  depthCostFactor?: number;
}

type Variables = Record<string, unknown> | null | undefined;

function pickOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
}

/** The page size an argument asks for: a literal, a variable's value, or the variable's default. */
function pageSize(value: ValueNode, variables: Variables, defaults: Map<string, unknown>): number {
  let n: unknown;
  if (value.kind === Kind.INT) n = Number(value.value);
  else if (value.kind === Kind.VARIABLE) n = variables?.[value.name.value] ?? defaults.get(value.name.value);
  return typeof n === 'number' && Number.isFinite(n) ? Math.max(1, n) : 1;
}

export function operationCost(document: DocumentNode, operationName: string | null | undefined, variables: Variables, options: CostLimitOptions): number {
  const { objectCost = 2, scalarCost = 1, depthCostFactor = 1.5 } = options;
  const operation = pickOperation(document, operationName);
  if (!operation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const defaults = new Map<string, unknown>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, valueFromASTUntyped(v.defaultValue));
  // A spread costs its fragment at the spread's depth; `visiting` stops cycles (validation refuses them anyway).
  const visiting = new Set<string>();

  const selectionsCost = (selections: readonly SelectionNode[]): number => selections.reduce((sum, s) => sum + depthCostFactor * cost(s), 0);
  const cost = (node: SelectionNode): number => {
    if (node.kind === Kind.FIELD) {
      if (node.name.value === '__schema' || node.name.value === '__type') return 0;
      if (!node.selectionSet) return scalarCost;
      const sizeArg = node.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
      const multiplier = sizeArg ? pageSize(sizeArg.value, variables, defaults) : 1;
      return (objectCost + selectionsCost(node.selectionSet.selections)) * multiplier;
    }
    if (node.kind === Kind.INLINE_FRAGMENT) return objectCost + selectionsCost(node.selectionSet.selections);
    const fragment = fragments.get(node.name.value);
    if (!fragment || visiting.has(node.name.value)) return scalarCost;
    visiting.add(node.name.value);
    const c = objectCost + selectionsCost(fragment.selectionSet.selections);
    visiting.delete(node.name.value);
    return scalarCost + depthCostFactor * c;
  };
  return operation.selectionSet.selections.reduce((sum, s) => sum + cost(s), 0);
}

export function costLimitError(cost: number, { maxCost, exposeLimits = false }: CostLimitOptions): GraphQLError {
  const message = exposeLimits ? `Query cost limit of ${maxCost} exceeded, found ${Math.round(cost)}.` : 'The operation is too costly; ask for fewer or smaller pages.';
  return new GraphQLError(message, { extensions: { code: COST_LIMIT_CODE, http: { status: 400 } } });
}

export function useCostLimit(options: CostLimitOptions): Plugin {
  const check = (args: { document: DocumentNode; operationName?: string | null; variableValues?: Variables }) => {
    const cost = operationCost(args.document, args.operationName, args.variableValues, options);
    return cost > options.maxCost ? { errors: [costLimitError(cost, options)] } : undefined;
  };
  return refuseOperations(check);
}
