// The samplers OTEL_TRACES_SAMPLER may name (OpenTelemetry's environment variable specification).
// Apart from sampler.ts so the configuration declares them without loading the SDK.
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const

export type SamplerName = (typeof SAMPLER_NAMES)[number]
