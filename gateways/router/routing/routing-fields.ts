import { AppError } from '../../../domain/errors.ts'

// Body fields with which a caller could choose where a request goes or with which credential:
// LiteLLM-style proxies (and the SDKs that speak to them) honour these when they sit in the
// body, so a backend that is itself such a proxy would let a caller redirect the router's
// request, with the backend's key, to any host. They are refused, never stripped: a caller that
// sends them expects an effect it will not get. Every other unknown field passes through.
export const ROUTING_FIELDS = [
  'api_base',
  'base_url',
  'api_key',
  'api_version',
  'api_type',
  'custom_llm_provider',
  'organization',
  'azure_endpoint',
  'azure_deployment',
  'azure_ad_token',
  'deployment_id',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_region_name',
  'vertex_project',
  'vertex_location',
  'vertex_credentials',
  'extra_headers',
  'litellm_params',
  'model_list',
  'user_config',
] as const

const refused: ReadonlySet<string> = new Set(ROUTING_FIELDS)

/** Refuses a body that names a routing or credential field (400, `param` names the field). */
export function refuseRoutingFields(body: Readonly<Record<string, unknown>>): void {
  const field = Object.keys(body).find((name) => refused.has(name))
  if (field === undefined) return
  throw new AppError(
    'VALIDATION_FAILED',
    `${field}: the router chooses the backend and its credentials; this field is not accepted`,
    { param: field },
  )
}
