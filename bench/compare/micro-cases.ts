/**
 * The router cases, named here rather than imported from router.bench.ts:
 * that module loads the addon, and the compare runner must not (it runs
 * other refs' builds, not its own).
 */
export const ROUTER_CASES = ['static short', 'static deep', 'one param', 'two params', 'param + query', 'miss']
