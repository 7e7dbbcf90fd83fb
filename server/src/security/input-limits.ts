// Size limits of what a tenant can store through the API. The 1 MB body limit bounds a request,
// not what it leaves behind: without these, one request could write a megabyte of description or
// integration config into a row that every list then reads back, and ask a search to AND
// thousands of ILIKE words. Each limit is generous for real use; a breach is a ValidationError
// at the field's path, and nothing is written.
import type { InputProblem } from '../errors.ts';

export const INPUT_LIMITS = {
  /** Workflow.description, in characters. */
  descriptionChars: 2_000,
  /** Workflow.definition, as JSON (UTF-8 bytes). */
  definitionBytes: 256 * 1024,
  /** Integration.config, as JSON. */
  configBytes: 64 * 1024,
  /** Integration credentials, as JSON (before encryption). */
  credentialsBytes: 16 * 1024,
  /** The template variables a trigger passes (WorkflowExecution.input), as JSON. */
  contextBytes: 64 * 1024,
  /** Free-text search of workflows and logs, in characters. */
  searchChars: 500,
} as const;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

export function textTooLong(value: string | null | undefined, path: string, maxChars: number): InputProblem | null {
  return value && value.length > maxChars ? { path, message: `is longer than ${maxChars} characters` } : null;
}

export function jsonTooLarge(value: unknown, path: string, maxBytes: number): InputProblem | null {
  return value !== undefined && value !== null && jsonBytes(value) > maxBytes ? { path, message: `is larger than ${Math.round(maxBytes / 1024)} KB as JSON` } : null;
}
