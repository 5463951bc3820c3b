import type { z } from 'zod';
import {
  WEBHOOK_ERROR_CODES,
  WebhookError,
  type WebhookErrorCode,
  type WebhookErrorIssue,
} from './errors.js';

function codeOf(issue: z.core.$ZodIssue): WebhookErrorCode | undefined {
  const code: unknown = issue.code === 'custom' ? issue.params?.code : undefined;
  return typeof code === 'string' && code in WEBHOOK_ERROR_CODES
    ? (code as WebhookErrorCode)
    : undefined;
}

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
  // A check may name its own code (every URL refusal is INVALID_URL); the first such issue leads.
  const marked = result.error.issues.findIndex((issue) => codeOf(issue) !== undefined);
  const lead = marked < 0 ? undefined : result.error.issues[marked];
  const first = issues[Math.max(marked, 0)];
  throw new WebhookError({
    code: (lead && codeOf(lead)) ?? options.code ?? 'INVALID_INPUT',
    message: `invalid ${options.what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    ...(first ? { field: first.field } : {}),
    issues,
  });
}
