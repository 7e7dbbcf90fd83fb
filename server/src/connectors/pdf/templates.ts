// HTML templates for PDFs: files named <name>.html in templates/. {{path.to.value}} inserts a
// variable HTML-escaped (there is no raw form, so a variable can never inject markup or
// references); {{#each list}}…{{/each}} repeats a block with {{this.x}} for the item.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { productPath } from '../../paths.ts';

export const TEMPLATES_DIR = productPath(import.meta.url, './templates', './templates');
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function lookup(vars: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = vars;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function renderTemplate(html: string, vars: Record<string, unknown>): string {
  const withLoops = html.replace(/\{\{#each\s+([\w.]+)\s*\}\}([\s\S]*?)\{\{\/each\}\}/g, (_, name: string, block: string) => {
    const list = lookup(vars, name);
    return Array.isArray(list) ? list.map((item) => renderTemplate(block, { ...vars, this: item })).join('') : '';
  });
  return withLoops.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => escapeHtml(lookup(vars, name)));
}

export class TemplateStore {
  private readonly cache = new Map<string, string>();
  constructor(private readonly dir = TEMPLATES_DIR) {}

  names(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.html'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  has(name: string): boolean {
    return NAME.test(name) && this.names().includes(name);
  }

  load(name: string): string {
    if (!this.has(name)) throw new TemplateError(`unknown PDF template "${String(name).slice(0, 64)}" (have: ${this.names().join(', ')})`);
    let html = this.cache.get(name);
    if (html === undefined) {
      html = readFileSync(path.join(this.dir, `${name}.html`), 'utf8');
      this.cache.set(name, html);
    }
    return html;
  }

  render(name: string, vars: Record<string, unknown>): string {
    return renderTemplate(this.load(name), vars);
  }
}
