/**
 * Every error griddle raises carries a stable `code` from this one table, and
 * an HTTP status where one applies. Tests and applications match on `code`,
 * never on message text.
 */

export interface ErrorSpec {
  readonly message: string
  readonly status?: number
}

export const ERRORS = {
  GRIDDLE_ERR_ADDON_LOAD: { message: 'The griddle native addon could not be loaded' },
  GRIDDLE_ERR_TRANSPORT_LOAD: { message: 'uWebSockets.js could not be loaded' },
  GRIDDLE_ERR_INVALID_ARG: { message: 'Invalid argument' },
  GRIDDLE_ERR_INVALID_HANDLE: { message: 'Not a griddle native handle' },
  GRIDDLE_ERR_INVALID_OPTION: { message: 'Invalid option' },
  GRIDDLE_ERR_UNKNOWN_OPTION: { message: 'Unknown option' },
  GRIDDLE_ERR_METHOD: { message: 'Invalid HTTP method' },
  GRIDDLE_ERR_ROUTE_PATTERN: { message: 'Invalid route pattern' },
  GRIDDLE_ERR_PARAM_NAME: { message: 'Invalid route parameter name' },
  GRIDDLE_ERR_DUPLICATE_PARAM: { message: 'Duplicate route parameter name' },
  GRIDDLE_ERR_WILDCARD_POSITION: { message: 'A wildcard must be the last character of a route' },
  GRIDDLE_ERR_TOO_MANY_PARAMS: { message: 'Too many parameters in one route' },
  GRIDDLE_ERR_ROUTE_CONFLICT: { message: 'A route with this method and pattern already exists' },
  GRIDDLE_ERR_BAD_URL: { message: 'Malformed URL', status: 400 },
  GRIDDLE_ERR_NOT_FOUND: { message: 'Not Found', status: 404 },
  GRIDDLE_ERR_CACHE_CLOSED: { message: 'The cache is closed' },
  GRIDDLE_ERR_CACHE_CONFLICT: { message: 'A cache with this name exists with other options' },
  GRIDDLE_ERR_URL_TOO_LONG: { message: 'URI Too Long', status: 414 },
  GRIDDLE_ERR_METHOD_NOT_ALLOWED: { message: 'Method Not Allowed', status: 405 },
  GRIDDLE_ERR_VALIDATION: { message: 'Validation failed', status: 400 },
  GRIDDLE_ERR_BAD_REQUEST: { message: 'Bad request', status: 400 },
  GRIDDLE_ERR_NOT_IMPLEMENTED: { message: 'Not Implemented', status: 501 },
  GRIDDLE_ERR_BAD_JSON: { message: 'Malformed JSON body', status: 400 },
  GRIDDLE_ERR_BODY_TOO_LARGE: { message: 'Request body too large', status: 413 },
  GRIDDLE_ERR_MEDIA_TYPE: { message: 'Unsupported media type', status: 415 },
  GRIDDLE_ERR_REQUEST_TIMEOUT: { message: 'Request body not received in time', status: 408 },
  GRIDDLE_ERR_HANDLER_TIMEOUT: { message: 'The handler did not answer in time', status: 503 },
  GRIDDLE_ERR_INTERNAL: { message: 'Internal Server Error' },
  GRIDDLE_ERR_SERIALIZE: { message: 'The response does not fit its schema' },
  GRIDDLE_ERR_SCHEMA: { message: 'Invalid JSON Schema' },
  GRIDDLE_ERR_HEADER: { message: 'Invalid header' },
  GRIDDLE_ERR_STATUS: { message: 'Invalid status code' },
  GRIDDLE_ERR_LISTEN: { message: 'Could not listen' },
  GRIDDLE_ERR_APP_STATE: { message: 'Not possible in this state of the app' },
  GRIDDLE_ERR_OVERLOADED: { message: 'Service Unavailable: overloaded, retry later', status: 503 },
  GRIDDLE_ERR_WORKER: { message: 'A worker thread failed' },
  GRIDDLE_ERR_REUSEPORT: { message: 'SO_REUSEPORT steering failed' },
  GRIDDLE_ERR_UNAUTHORIZED: { message: 'Unauthorized: the admin listener needs its bearer token', status: 401 },
  GRIDDLE_ERR_PROFILE_BUSY: { message: 'A profile is already running; one at a time', status: 409 },
  GRIDDLE_ERR_FLAGS_CONFIG: { message: 'Invalid flags config' },
  GRIDDLE_ERR_FLAGS_SOURCE: { message: 'The flags source could not be loaded' },
  GRIDDLE_ERR_THREAD_NOT_FOUND: { message: 'No such thread in this process', status: 404 },
  GRIDDLE_ERR_DEBUG_TIMEOUT: { message: 'The thread did not answer the debug request in time', status: 504 },
  GRIDDLE_ERR_RELEASE_NOT_FOUND: { message: 'No such release', status: 404 },
  GRIDDLE_ERR_RELEASE_STATE: { message: 'Not possible in this state of the release', status: 409 },
  GRIDDLE_ERR_RELEASE_LOAD: { message: 'The release version could not be loaded' },
  GRIDDLE_ERR_RELEASE_OPTION: { message: 'Invalid release option', status: 400 },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export class GriddleError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number | undefined

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    const spec: ErrorSpec = ERRORS[code]
    super(detail === undefined ? spec.message : `${spec.message}: ${detail}`, options)
    this.name = 'GriddleError'
    this.code = code
    this.statusCode = spec.status
  }
}

/** A TypeError with a code, for arguments of the wrong type. */
export class GriddleTypeError extends TypeError {
  readonly code: ErrorCode

  constructor(code: ErrorCode, detail: string) {
    super(`${ERRORS[code].message}: ${detail}`)
    this.name = 'GriddleTypeError'
    this.code = code
  }
}

// The codes below are part of the public API, so they are literals here;
// test/binding.test.ts checks each against the value native exports.

/** Statuses the router's native lookup returns instead of a route id (native.ROUTER.LOOKUP_*). */
export const LOOKUP = {
  NOT_FOUND: -1,
  BAD_URL: -2,
  NOT_ORIGIN: -3,
  PARAM_TOO_LONG: -4,
} as const

/** Statuses of the native route insertion (native.ROUTER.INSERT_*). */
export const INSERT = {
  OK: 0,
  CONFLICT: -1,
  BAD_PARTS: -2,
} as const

/** Negative results of Cache#getInto (native.CACHE.GET_*, native/cache.h GetStatus). */
export const CACHE_STATUS = {
  MISS: -1,
  TOO_SMALL: -2,
  CLOSED: -3,
} as const

/** Negative results of the native cache open (native.CACHE.ACQUIRE_*); never seen by users. */
export const CACHE_OPEN_STATUS = {
  CONFLICT: -1,
  BAD_SIZE: -2,
} as const
