/** Keys of internal state shared between griddle's own modules. */
export const kLookup = Symbol('griddle.lookup')
export const kOut = Symbol('griddle.out')
export const kRoute = Symbol('griddle.route')
export const kCacheHandle = Symbol('griddle.cacheHandle')
export const kCacheMeta = Symbol('griddle.cacheMeta')
