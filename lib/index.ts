export { Router } from './router.js'
export type { RouterOptions, RouteMatch, RouteInfo } from './router.js'
export { GriddleError, GriddleTypeError, ERRORS } from './errors.js'
export type { ErrorCode } from './errors.js'
