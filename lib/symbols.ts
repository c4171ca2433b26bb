/** Keys of internal state shared between griddle's own modules. */
export const kLookup = Symbol('griddle.lookup')
export const kOut = Symbol('griddle.out')
export const kRoute = Symbol('griddle.route')
export const kPublish = Symbol('griddle.publish')
export const kCacheHandle = Symbol('griddle.cacheHandle')
export const kCacheMeta = Symbol('griddle.cacheMeta')
export const kHeaders = Symbol('griddle.headers')
export const kType = Symbol('griddle.type')
export const kState = Symbol('griddle.state')
export const kRes = Symbol('griddle.res')
export const kController = Symbol('griddle.controller')
export const kDeadline = Symbol('griddle.deadline')
export const kReply = Symbol('griddle.reply')
export const kRequest = Symbol('griddle.request')
export const kCacheKey = Symbol('griddle.cacheKey')
export const kStart = Symbol('griddle.start')
export const kRouteId = Symbol('griddle.routeId')
/** releases: the arm id of the version a request runs, and its ghost bit (lib/traffic/release-table.ts). */
export const kArm = Symbol('griddle.arm')
export const kGhost = Symbol('griddle.ghost')
/** An app's release host (lib/traffic/app-releases.ts), for serve()'s workers. */
export const kReleaseHost = Symbol('griddle.releaseHost')
/** Installs an EndListener on an app (telemetry and tests); see lib/server/end.ts. */
export const kOnEnd = Symbol('griddle.onEnd')
/** A serve() cluster's main-thread telemetry (lib/workers/cluster-telemetry.ts). */
export const kTelemetry = Symbol('griddle.clusterTelemetry')
/** A serve() cluster's SO_REUSEPORT group copy (lib/workers/reuseport-group.ts), shared by every generation on the port. */
export const kGroup = Symbol('griddle.reuseportGroup')
/** A serve() cluster's workers, and closing the listener of one of them (the supervisor's steered handover). */
export const kWorkers = Symbol('griddle.workers')
export const kUnlistenOne = Symbol('griddle.unlistenOne')
