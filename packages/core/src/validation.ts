import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldIssue } from './errors.js';

/**
 * One ajv instance for config, management input and HTTP bodies, so the
 * schemas that validate requests are the ones the OpenAPI document shows.
 */
export const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, useDefaults: false });

const MESSAGES: Record<string, (e: ErrorObject) => string> = {
  required: (e) => `is required`,
  additionalProperties: () => `is not a known field`,
  type: (e) => `must be ${String(e.params.type).replace(',', ' or ')}`,
  enum: (e) => `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
  maxLength: (e) => `must be at most ${e.params.limit} characters`,
  minLength: (e) => `must be at least ${e.params.limit} characters`,
  maxItems: (e) => `must have at most ${e.params.limit} items`,
  minimum: (e) => `must be at least ${e.params.limit}`,
  maximum: (e) => `must be at most ${e.params.limit}`,
  exclusiveMinimum: (e) => `must be greater than ${e.params.limit}`,
  pattern: () => `has an invalid format`,
  uniqueItems: () => `must not contain duplicates`,
  maxProperties: (e) => `must have at most ${e.params.limit} entries`,
};

/** Turns ajv errors into field issues with JSON-pointer fields and readable messages. */
export function toFieldIssues(errors: readonly ErrorObject[] | null | undefined, base = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  const list = errors ?? [];
  for (const e of list) {
    // oneOf/anyOf wrappers repeat what their branches said; the branch errors are the useful ones.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    // "must be null" from a nullable field's null branch is noise when the other branch said what is wrong.
    if (e.keyword === 'type' && e.params.type === 'null' && list.some((o) => o !== e && o.keyword !== 'oneOf' && o.keyword !== 'anyOf' && o.instancePath.startsWith(e.instancePath))) {
      continue;
    }
    let field = base + e.instancePath;
    if (e.keyword === 'required') field += `/${String(e.params.missingProperty)}`;
    if (e.keyword === 'additionalProperties') field += `/${String(e.params.additionalProperty)}`;
    const message = MESSAGES[e.keyword]?.(e) ?? e.message ?? 'is invalid';
    const id = `${field}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push({ field: field || '/', message });
  }
  return issues;
}

/** Compiles a schema once; the validator returns field issues (empty when valid). */
export function compileValidator(schema: object, base = ''): (value: unknown) => FieldIssue[] {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => (validate(value) ? [] : toFieldIssues(validate.errors, base));
}
