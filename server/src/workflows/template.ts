// {{variable}} templating of step configs. Only lookups: `{{name}}` and dotted paths
// `{{a.b.c}}` into the execution's input. No expressions, helpers or prototype access, so a
// workflow author can never run code in a worker. A string that is exactly one placeholder keeps
// the value's type (`"{{count}}"` → 3); placeholders inside longer text are stringified.

export class TemplateError extends Error {
  constructor(
    message: string,
    /** The variable path that could not be resolved. */
    readonly variable: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const PATH = /^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/;

function lookup(vars: Record<string, unknown>, path: string): unknown {
  if (!PATH.test(path)) throw new TemplateError(`"{{${path}}}" is not a variable name (only {{name}} or {{a.b}} lookups are allowed)`, path);
  let value: unknown = vars;
  for (const part of path.split('.')) {
    // Own properties only: {{constructor}} or {{a.__proto__}} must not reach Object.prototype.
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) {
      throw new TemplateError(`variable "${path}" is not defined`, path);
    }
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined) throw new TemplateError(`variable "${path}" is not defined`, path);
  return value;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

export function renderString(template: string, vars: Record<string, unknown>): unknown {
  const whole = WHOLE.exec(template);
  if (whole) return lookup(vars, whole[1]!);
  return template.replace(PLACEHOLDER, (_m, path: string) => stringify(lookup(vars, path)));
}

/** Renders every string inside `value` (objects and arrays are walked, keys are left alone). */
export function render<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === 'string') return renderString(value, vars) as T;
  if (Array.isArray(value)) return value.map((v) => render(v, vars)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, vars);
    return out as T;
  }
  return value;
}
