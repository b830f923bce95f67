import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace'
import type { SamplerName } from './sampler-names.ts'

// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the OpenTelemetry specification defines
// them (the 3.x SDK no longer reads the environment; infra/config/config.ts declares both).

/** The sampler named; `ratio` (the _ARG) is used by the ratio samplers only, 1 when unset. */
export function samplerFrom(name: SamplerName, ratio: number | undefined): Sampler {
  const root = (base: string): Sampler => {
    if (base === 'always_off') return new AlwaysOffSampler()
    if (base === 'traceidratio') return new TraceIdRatioBasedSampler(ratio ?? 1)
    return new AlwaysOnSampler()
  }
  if (!name.startsWith('parentbased_')) return root(name)
  // A caller's sampled flag decides for its trace; only a trace started here is drawn.
  return new ParentBasedSampler({ root: root(name.slice('parentbased_'.length)) })
}
