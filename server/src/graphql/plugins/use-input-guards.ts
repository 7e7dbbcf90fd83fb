// Refuses, before any resolver runs, input that PostgreSQL or our recursive code cannot take,
// with BAD_USER_INPUT and the input's path instead of "Unexpected error.":
// - a NUL character (U+0000) in any string, object key included, of the variables or of the
//   document's literals: PostgreSQL text and jsonb reject it, so it failed deep in a query;
// - JSON nested deeper than maxDepth (a 2,500-level definition overflowed the validators):
//   no input of this API needs more than a few levels.
// Runs in onExecute/onSubscribe, so it holds on HTTP and WebSocket alike.
import { GraphQLError, visit, type ASTNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refuseOperations } from './refuse-operation.ts';

export const INPUT_GUARD_CODE = 'BAD_USER_INPUT';

export interface InputGuardOptions {
  /** Deepest nesting of objects and arrays accepted in any variable. */
  maxDepth?: number;
}

export const DEFAULT_MAX_INPUT_DEPTH = 32;

function refusal(path: string, message: string): GraphQLError {
  return new GraphQLError(`${path} ${message}`, { extensions: { code: INPUT_GUARD_CODE, path, http: { status: 400 } } });
}

/** The first problem in a variables object (iterative, so hostile nesting cannot overflow the stack). */
export function variableProblem(variables: unknown, maxDepth: number): GraphQLError | null {
  const stack: [unknown, string, number][] = [[variables, 'variables', 0]];
  while (stack.length) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return refusal(path, 'contains a NUL character (U+0000), which is not accepted');
    } else if (value !== null && typeof value === 'object') {
      if (depth > maxDepth) return refusal(path, `is nested deeper than ${maxDepth} levels`);
      for (const [k, v] of Object.entries(value)) {
        const child = Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`;
        if (k.includes('\0')) return refusal(child, 'has a key with a NUL character (U+0000), which is not accepted');
        stack.push([v, child, depth + 1]);
      }
    }
  }
  return null;
}

/** The first string literal in the document that holds a NUL (object keys are names: no NUL there). */
export function literalProblem(document: DocumentNode): GraphQLError | null {
  let found: GraphQLError | null = null;
  visit(document, {
    StringValue(node) {
      if (!found && node.value.includes('\0')) found = new GraphQLError('A string in the document contains a NUL character (U+0000), which is not accepted', { nodes: [node as ASTNode], extensions: { code: INPUT_GUARD_CODE, http: { status: 400 } } });
    },
  });
  return found;
}

export function useInputGuards({ maxDepth = DEFAULT_MAX_INPUT_DEPTH }: InputGuardOptions = {}): Plugin {
  // Literals are checked once per document (Yoga caches parsed documents, so the object is shared).
  const literalChecked = new WeakMap<DocumentNode, GraphQLError | null>();
  const check = (args: { document: DocumentNode; variableValues?: unknown }) => {
    let literal = literalChecked.get(args.document);
    if (literal === undefined) literalChecked.set(args.document, (literal = literalProblem(args.document)));
    const problem = literal ?? variableProblem(args.variableValues ?? {}, maxDepth);
    return problem ? { errors: [problem] } : undefined;
  };
  return refuseOperations(check);
}
