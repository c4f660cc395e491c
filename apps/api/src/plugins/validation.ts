import { Ajv } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

type AddFormats = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS; depending on the loader its function is the module or its `default`.
const addFormats = (ajvFormats as unknown as { default: AddFormats | { default: AddFormats } }).default as
  | AddFormats
  | { default: AddFormats };
const applyFormats: AddFormats = typeof addFormats === 'function' ? addFormats : addFormats.default;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    // Never strip unknown fields: the contract rejects them (no silent mass assignment).
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  applyFormats(ajv);
  return ajv;
}

/**
 * JSON bodies are validated as sent (no type coercion: `"name": 5` is an error, not "5"); query
 * strings and path parameters arrive as text, so they are coerced to the declared types.
 */
export function installValidation(app: FastifyInstance): void {
  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object),
  );
}
