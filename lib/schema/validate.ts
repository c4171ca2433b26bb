/**
 * Request validation: params, query and body schemas compiled once per route
 * with ajv. Params and query arrive as strings, so they are coerced to the
 * schema's types (as fastify does); a JSON body already has types and is not.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { GriddleError } from '../errors.js'

export type Part = 'params' | 'query' | 'body'

/** Validates `value` in place (coercion, defaults); returns null or the 400 error. */
export type Check = (value: unknown) => GriddleError | null

const common = { useDefaults: true, removeAdditional: true, allErrors: false, validateFormats: false } as const
const coercing = new Ajv({ ...common, coerceTypes: 'array' })
const strict = new Ajv({ ...common, coerceTypes: false })

/** `body.user.name`-style path of the first failing field. */
function fieldOf(part: Part, error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
  const missing = (error.params as { missingProperty?: string }).missingProperty
  if (error.keyword === 'required' && missing !== undefined) segments.push(missing)
  return [part, ...segments].join('.')
}

export function validationError(part: Part, error: ErrorObject): GriddleError {
  const field = fieldOf(part, error)
  const err = new GriddleError('GRIDDLE_ERR_VALIDATION', `${field} ${error.message ?? 'is invalid'}`)
  ;(err as GriddleError & { field: string }).field = field
  return err
}

export function compileCheck(part: Part, schema: object | undefined, where: string): Check | null {
  if (schema === undefined) return null
  if (schema === null || typeof schema !== 'object') {
    throw new GriddleError('GRIDDLE_ERR_SCHEMA', `${where}: the ${part} schema must be an object`)
  }
  let validate: ValidateFunction
  try {
    validate = (part === 'body' ? strict : coercing).compile(schema)
  } catch (err) {
    throw new GriddleError('GRIDDLE_ERR_SCHEMA', `${where} ${part}: ${(err as Error).message}`, { cause: err })
  }
  return (value) => (validate(value) ? null : validationError(part, validate.errors![0]!))
}
