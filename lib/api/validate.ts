// Request validation compiled from the OpenAPI document (openapi.ts): one Ajv validator per
// operation for its path parameters, one for its query and one for its JSON body. Path and query
// values arrive as text and are coerced to the schema's type ("60000" -> 60000); a body is JSON
// and is taken as it is. A refusal names the field at fault ("query.agg", "body.value").
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { ApiError } from './errors';

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Json;
}

export interface OperationValidator {
  /** coerces in place and throws ApiError 400 naming the field */
  params(location: 'path' | 'query', values: Record<string, unknown>): void;
  /** throws ApiError 400 naming the field; undefined when the operation takes no body */
  body?: (body: unknown) => void;
}

function fieldOf(location: string, e: ErrorObject): string {
  const p = e.params as { missingProperty?: string; additionalProperty?: string; propertyName?: string };
  const tail = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (p.missingProperty) tail.push(p.missingProperty);
  else if (p.additionalProperty) tail.push(p.additionalProperty);
  else if (e.keyword === 'propertyNames' && p.propertyName) tail.push(p.propertyName);
  return [location, ...tail].join('.');
}

function messageOf(field: string, e: ErrorObject): string {
  const p = e.params as { allowedValues?: unknown[]; additionalProperty?: string };
  if (e.keyword === 'enum' && p.allowedValues) return `${field}: must be one of ${p.allowedValues.join(', ')}`;
  if (e.keyword === 'additionalProperties') return `${field}: not a known ${field.split('.')[0]} field`;
  if (e.keyword === 'required') return `${field}: required`;
  return `${field}: ${e.message ?? 'is not valid'}`;
}

/** The most telling of Ajv's errors: a oneOf's branches say less than the oneOf itself. */
function firstError(errors: ErrorObject[]): ErrorObject {
  return errors.find((e) => e.keyword === 'oneOf') ?? errors[0];
}

function refusal(location: string, errors: ErrorObject[] | null | undefined): ApiError {
  const e = firstError(errors ?? []);
  if (!e) return new ApiError(400, `${location} is not valid`, location);
  const field = fieldOf(location, e);
  return new ApiError(400, messageOf(field, e), field);
}

/** Compiles the validators of every operation of the document, by operationId. */
export function compileValidators(doc: Json): Map<string, OperationValidator> {
  const coercing = new Ajv2020({ coerceTypes: true, allErrors: false, strict: false });
  const exact = new Ajv2020({ allErrors: false, strict: false });
  const out = new Map<string, OperationValidator>();
  const paths = doc.paths as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      const id = operation.operationId as string;
      const parameters = (operation.parameters ?? []) as Parameter[];
      const byLocation = new Map<string, ValidateFunction>();
      for (const location of ['path', 'query'] as const) {
        const own = parameters.filter((p) => p.in === location);
        const schema = {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(own.map((p) => [p.name, p.schema])),
          required: own.filter((p) => p.required).map((p) => p.name),
        };
        byLocation.set(location, coercing.compile(schema));
      }
      const bodySchema = (operation.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content?.['application/json']?.schema;
      const bodyCheck = bodySchema ? exact.compile(bodySchema) : undefined;
      out.set(id, {
        params(location, values) {
          const check = byLocation.get(location)!;
          if (!check(values)) throw refusal(location, check.errors);
        },
        body: bodyCheck
          ? (body) => {
              if (!bodyCheck(body)) throw refusal('body', bodyCheck.errors);
            }
          : undefined,
      });
    }
  }
  return out;
}
