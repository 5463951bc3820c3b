/** The schema key a route sets when its JSON body may be left out (actions with only options). */
export const OPTIONAL_BODY = 'x-optional-body';

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Drops component schemas nothing refers to. The type provider emits every
 * named schema twice (as request `…Input` and as response), though each is
 * used on one side only; the document keeps the ones in use.
 */
function pruneUnusedSchemas(document: Json): Json {
  const { components, ...rest } = document;
  if (!isJson(components) || !isJson(components.schemas)) return document;
  const schemas = components.schemas;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isJson(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string') {
          const name = child.replace('#/components/schemas/', '');
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        } else {
          visit(child);
        }
      }
    }
  };
  visit(rest);
  visit({ ...components, schemas: undefined });
  return {
    ...document,
    components: {
      ...components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
    },
  };
}

// @fastify/swagger marks every request body required; an action whose body
// only carries options (rotate-secret, disable, test) also takes none.
function markOptionalBodies(document: Json): Json {
  if (!isJson(document.paths)) return document;
  for (const item of Object.values(document.paths)) {
    if (!isJson(item)) continue;
    for (const operation of Object.values(item)) {
      if (!isJson(operation) || operation[OPTIONAL_BODY] !== true) continue;
      Reflect.deleteProperty(operation, OPTIONAL_BODY);
      if (isJson(operation.requestBody)) operation.requestBody.required = false;
    }
  }
  return document;
}

/** Final touches to the generated document: optional bodies marked so, unused schemas dropped. */
export function finishDocument<T extends object>(document: T): T {
  return pruneUnusedSchemas(markOptionalBodies(document as Json)) as T;
}
