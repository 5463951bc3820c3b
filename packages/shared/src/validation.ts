import type { z } from 'zod';
import { WebhookError, type WebhookErrorCode, type WebhookErrorIssue } from './errors.js';

/** Turns zod issues into `{ field, message }` pairs, the field as a dotted path under `root`. */
export function toIssues(error: z.ZodError, root?: string): WebhookErrorIssue[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(
      (part) => part !== undefined && part !== '',
    );
    return { field: path.join('.') || (root ?? '(input)'), message: issue.message };
  });
}

/**
 * Parses `value` with `schema`; on failure throws a {@link WebhookError} whose
 * `field` is the first offending path and whose `issues` list them all.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: { readonly root?: string; readonly code?: WebhookErrorCode; readonly what: string },
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toIssues(result.error, options.root);
  const first = issues[0];
  throw new WebhookError({
    code: options.code ?? 'INVALID_INPUT',
    message: `invalid ${options.what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    ...(first ? { field: first.field } : {}),
    issues,
  });
}
