// A small, safe expression language for the parts of a definition that decide something from
// data: event-trigger filters, `wait.event` matches, concurrency keys. Users write them in JSON, so
// they are parsed here (never eval'd) into a tree that can only read own properties of the scope
// and compare values: no calls, no assignment, no prototype walk, bounded size and depth.
//
//   event.payload.status == 'APPROVED' && event.payload.amount >= 100
//   event.payload.applicantId == input.applicantId
//   input.country in ['PH', 'SG'] || !input.vip
//
// A path that does not exist evaluates to null (a filter on a field the payload lacks is false,
// not an error). Equality is strict (no coercion); < <= > >= compare two numbers or two strings
// and are false otherwise.

export const MAX_EXPRESSION_LENGTH = 1000;
const MAX_DEPTH = 32;

/** A syntax error, with the 0-based character position it was found at. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
    this.name = 'ExpressionError';
  }
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; root: string; keys: (Node | string)[] }
  | { kind: 'array'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node };

type BinaryOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | 'in';

export interface Expression {
  readonly source: string;
  /** The top-level names it reads (`input`, `event`, …), so callers can refuse unknown ones. */
  readonly roots: readonly string[];
  evaluate(scope: Record<string, unknown>): unknown;
}

type Token =
  | { type: 'num'; value: number; pos: number }
  | { type: 'str'; value: string; pos: number }
  | { type: 'name'; value: string; pos: number }
  | { type: 'op'; value: string; pos: number }
  | { type: 'end'; pos: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];
const NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const NUMBER = /-?(?:\d+(?:\.\d+)?)(?:[eE][+-]?\d+)?/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let value = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== ch; j++) {
        if (source[j] === '\\' && j + 1 < source.length) {
          const next = source[++j]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        } else value += source[j];
      }
      if (j >= source.length) throw new ExpressionError('unterminated string', i);
      tokens.push({ type: 'str', value, pos: i });
      i = j + 1;
      continue;
    }
    NUMBER.lastIndex = i;
    // A leading minus is a number only where a value may start (after an operator or at the start).
    const prev = tokens[tokens.length - 1];
    const valueMayStart = !prev || (prev.type === 'op' && prev.value !== ')' && prev.value !== ']');
    const num = (ch !== '-' || valueMayStart) && NUMBER.exec(source);
    if (num && num.index === i) {
      tokens.push({ type: 'num', value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name && name.index === i) {
      tokens.push({ type: 'name', value: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character '${ch}'`, i);
    tokens.push({ type: 'op', value: op, pos: i });
    i += op.length;
  }
  tokens.push({ type: 'end', pos: source.length });
  return tokens;
}

// Binding power: || < && < comparisons / in.
const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, in: 3 };
// Keys that would reach an object's prototype machinery; refused even as own properties.
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.expression(0);
    const t = this.peek();
    if (t.type !== 'end') throw new ExpressionError(`unexpected '${describe(t)}'`, t.pos);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.value === value;
  }
  private expect(value: string): void {
    const t = this.next();
    if (t.type !== 'op' || t.value !== value) throw new ExpressionError(`expected '${value}' but found '${describe(t)}'`, t.pos);
  }

  private expression(minPrecedence: number): Node {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError('expression nested too deeply', this.peek().pos);
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const op = t.type === 'op' || (t.type === 'name' && t.value === 'in') ? t.value : undefined;
      const precedence = op === undefined ? undefined : PRECEDENCE[op];
      if (precedence === undefined || precedence <= minPrecedence) break;
      this.next();
      // Comparisons do not chain (a == b == c is a mistake, not a meaning).
      const right = this.expression(precedence === 3 ? 3 : precedence);
      left = { kind: 'binary', op: op as BinaryOp, left, right };
      if (precedence === 3 && PRECEDENCE[this.peekOp() ?? ''] === 3) {
        throw new ExpressionError('comparisons cannot be chained; use && between them', this.peek().pos);
      }
    }
    this.depth--;
    return left;
  }

  private peekOp(): string | undefined {
    const t = this.peek();
    return t.type === 'op' || (t.type === 'name' && t.value === 'in') ? t.value : undefined;
  }

  private unary(): Node {
    if (this.isOp('!')) {
      this.next();
      if (++this.depth > MAX_DEPTH) throw new ExpressionError('expression nested too deeply', this.peek().pos);
      const operand = this.unary();
      this.depth--;
      return { kind: 'not', operand };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    if (t.type === 'num' || t.type === 'str') return { kind: 'literal', value: t.value };
    if (t.type === 'op' && t.value === '(') {
      const inner = this.expression(0);
      this.expect(')');
      return inner;
    }
    if (t.type === 'op' && t.value === '[') {
      const items: Node[] = [];
      if (!this.isOp(']')) {
        do items.push(this.expression(0));
        while (this.isOp(',') && this.next());
      }
      this.expect(']');
      return { kind: 'array', items };
    }
    if (t.type === 'name') {
      if (t.value === 'true') return { kind: 'literal', value: true };
      if (t.value === 'false') return { kind: 'literal', value: false };
      if (t.value === 'null') return { kind: 'literal', value: null };
      if (t.value === 'in') throw new ExpressionError("'in' needs a value on its left", t.pos);
      return this.path(t.value, t.pos);
    }
    throw new ExpressionError(t.type === 'end' ? 'unexpected end of expression' : `unexpected '${describe(t)}'`, t.pos);
  }

  private path(root: string, pos: number): Node {
    if (FORBIDDEN_KEYS.has(root)) throw new ExpressionError(`'${root}' cannot be read`, pos);
    const keys: (Node | string)[] = [];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.type !== 'name') throw new ExpressionError(`expected a property name after '.'`, name.pos);
        if (FORBIDDEN_KEYS.has(name.value)) throw new ExpressionError(`'${name.value}' cannot be read`, name.pos);
        keys.push(name.value);
      } else if (this.isOp('[')) {
        this.next();
        const index = this.expression(0);
        if (index.kind === 'literal' && typeof index.value === 'string' && FORBIDDEN_KEYS.has(index.value)) {
          throw new ExpressionError(`'${index.value}' cannot be read`, pos);
        }
        this.expect(']');
        keys.push(index.kind === 'literal' && (typeof index.value === 'string' || typeof index.value === 'number') ? String(index.value) : index);
      } else break;
    }
    return { kind: 'path', root, keys };
  }
}

function describe(t: Token): string {
  return t.type === 'end' ? 'end of expression' : String(t.value);
}

function read(container: unknown, key: unknown): unknown {
  if (container === null || typeof container !== 'object') return null;
  if (typeof key !== 'string' && typeof key !== 'number') return null;
  const k = String(key);
  if (FORBIDDEN_KEYS.has(k) || !Object.prototype.hasOwnProperty.call(container, k)) return null;
  const value = (container as Record<string, unknown>)[k];
  return value === undefined ? null : value;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  // Structural equality for arrays and objects from JSON (payloads compare by value).
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function evaluate(node: Node, scope: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'array':
      return node.items.map((item) => evaluate(item, scope));
    case 'path': {
      let value = read(scope, node.root);
      for (const key of node.keys) value = read(value, typeof key === 'string' ? key : evaluate(key, scope));
      return value;
    }
    case 'not':
      return !truthy(evaluate(node.operand, scope));
    case 'binary': {
      if (node.op === '&&') return truthy(evaluate(node.left, scope)) && truthy(evaluate(node.right, scope));
      if (node.op === '||') return truthy(evaluate(node.left, scope)) || truthy(evaluate(node.right, scope));
      const left = evaluate(node.left, scope);
      const right = evaluate(node.right, scope);
      switch (node.op) {
        case '==':
          return equal(left, right);
        case '!=':
          return !equal(left, right);
        case 'in':
          if (Array.isArray(right)) return right.some((item) => equal(item, left));
          if (typeof right === 'string' && typeof left === 'string') return right.includes(left);
          return false;
        default:
          return compare(node.op, left, right);
      }
    }
  }
}

function collectRoots(node: Node, into: Set<string>): void {
  if (node.kind === 'path') {
    into.add(node.root);
    for (const key of node.keys) if (typeof key !== 'string') collectRoots(key, into);
  } else if (node.kind === 'array') node.items.forEach((item) => collectRoots(item, into));
  else if (node.kind === 'not') collectRoots(node.operand, into);
  else if (node.kind === 'binary') {
    collectRoots(node.left, into);
    collectRoots(node.right, into);
  }
}

/** Parses once; evaluate() is then cheap and never throws. */
export function compileExpression(source: string): Expression {
  if (typeof source !== 'string' || source.trim() === '') throw new ExpressionError('the expression is empty', 0);
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`longer than ${MAX_EXPRESSION_LENGTH} characters`, MAX_EXPRESSION_LENGTH);
  const tree = new Parser(tokenize(source)).parse();
  const roots = new Set<string>();
  collectRoots(tree, roots);
  return { source, roots: [...roots].sort(), evaluate: (scope) => evaluate(tree, scope) };
}

/** Compiled expressions by source: stored ones (filters, matches, keys) are read on hot paths. */
const cache = new Map<string, Expression>();
const CACHE_SIZE = 1000;

/** compileExpression, memoised (oldest entry dropped past CACHE_SIZE). Throws ExpressionError. */
export function cachedExpression(source: string): Expression {
  let e = cache.get(source);
  if (!e) {
    e = compileExpression(source);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(source, e);
  }
  return e;
}

/** The top-level names an expression reads, e.g. ['event', 'input']. Throws ExpressionError. */
export function expressionRoots(source: string): string[] {
  return [...compileExpression(source).roots];
}

/**
 * For definition validation: null when `source` parses and reads only `allowedRoots`, otherwise
 * a message for the user.
 */
export function checkExpression(source: string, allowedRoots: readonly string[]): string | null {
  try {
    const unknown = compileExpression(source).roots.filter((r) => !allowedRoots.includes(r));
    if (unknown.length === 0) return null;
    return `reads ${unknown.map((r) => `'${r}'`).join(', ')}; only ${allowedRoots.map((r) => `'${r}'`).join(', ')} can be used here`;
  } catch (err) {
    if (err instanceof ExpressionError) return err.message;
    throw err;
  }
}

/** Whether the expression holds for `scope` (JavaScript-like truthiness; empty arrays are false). */
export function matches(expression: Expression, scope: Record<string, unknown>): boolean {
  return truthy(expression.evaluate(scope));
}
