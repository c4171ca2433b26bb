/**
 * An OpenFeature provider over app.flags (`import { GriddleProvider } from
 * 'griddle/openfeature'`): targetingKey is the unit key, the rest of the
 * context the attributes. @openfeature/server-sdk is a peer dependency,
 * loaded only by this module.
 */
import {
  ErrorCode, OpenFeatureEventEmitter, ProviderEvents,
  type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails,
} from '@openfeature/server-sdk'
import type { FlagsRuntime } from './app-flags.js'
import type { Attributes } from './conditions.js'
import type { Evaluation } from './evaluate.js'

type Kind = 'boolean' | 'string' | 'number' | 'object'

function attributesOf(context: EvaluationContext): Attributes {
  const out: Record<string, string | number | boolean> = {}
  for (const [k, v] of Object.entries(context)) {
    if (k === 'targetingKey') continue
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
    else if (v instanceof Date) out[k] = v.toISOString()
  }
  return out
}

/** The value the evaluation gives for the kind asked for, or an error code. */
function valueFor(kind: Kind, e: Evaluation): { value: unknown } | { error: ErrorCode, message: string } {
  let v: unknown = e.value
  // An Unleash flag answers booleans; its variant payload carries the other kinds.
  if (kind !== 'boolean' && typeof e.value === 'boolean' && e.payload !== undefined && typeof e.payload === 'object') {
    const p = e.payload as { type?: string, value?: string }
    if (kind === 'object') {
      try {
        v = JSON.parse(p.value ?? '')
      } catch (err) {
        return { error: ErrorCode.PARSE_ERROR, message: `the variant payload is not JSON: ${(err as Error).message}` }
      }
    } else {
      v = kind === 'number' && p.type === 'number' ? Number(p.value) : p.value
    }
  }
  const ok = kind === 'object' ? v !== null && typeof v === 'object' : typeof v === kind
  return ok ? { value: v } : { error: ErrorCode.TYPE_MISMATCH, message: `the flag's value is ${v === null ? 'null' : typeof v}, not ${kind}` }
}

export class GriddleProvider implements Provider {
  readonly metadata = { name: 'griddle' } as const
  readonly runsOn = 'server' as const
  readonly events = new OpenFeatureEventEmitter()
  private readonly unsubscribe: () => void

  constructor(private readonly flags: FlagsRuntime) {
    this.unsubscribe = flags.onChange((c) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, { metadata: { version: c.version } })
    })
  }

  /** Resolves once the app's first config has loaded; rejects with its reason when it never does. */
  async initialize(): Promise<void> {
    await this.flags.ready
  }

  async onClose(): Promise<void> {
    this.unsubscribe()
  }

  private resolve<T>(kind: Kind, flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    const e = this.flags.evaluate(flagKey, { ...(context.targetingKey === undefined ? {} : { unitKey: context.targetingKey }), attributes: attributesOf(context) })
    const flagMetadata = { version: e.version }
    if (e.errorCode === 'FLAG_NOT_FOUND') {
      return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `no flag named ${JSON.stringify(flagKey)}`, flagMetadata }
    }
    const got = valueFor(kind, e)
    if ('error' in got) return { value: defaultValue, reason: 'ERROR', errorCode: got.error, errorMessage: got.message, flagMetadata }
    return { value: got.value as T, reason: e.reason, ...(e.variant === null ? {} : { variant: e.variant }), flagMetadata }
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.resolve('boolean', flagKey, defaultValue, context)
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.resolve('string', flagKey, defaultValue, context)
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.resolve('number', flagKey, defaultValue, context)
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.resolve('object', flagKey, defaultValue, context)
  }
}
