import { z } from 'zod'
import { ADDRESS_CLASSES, parseAddressClasses } from '../../domain/models/backend-address.ts'
import { isKeyringText } from '../crypto/keyring.ts'
import { SAMPLER_NAMES } from '../telemetry/sampler-names.ts'

// Every environment variable the platform reads is declared here, once, with its default and
// meaning. Nothing else reads process.env (DEVELOPERS.md). docs/configuration.md mirrors this table.
const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()
const price = z.coerce.number().nonnegative()

export const configVariables = {
  PORT: { schema: port, default: '8080', doc: 'Port of the router, and of everything in `aiaas dev`.' },
  AIAAS_HOST: { schema: z.string().min(1), default: '127.0.0.1', doc: 'Address every HTTP process binds.' },
  AIAAS_IDENTITY_PORT: { schema: port, default: '8081', doc: 'Port of `aiaas identity` (admin API).' },
  AIAAS_ANALYTICS_PORT: { schema: port, default: '8082', doc: 'Port of `aiaas analytics`.' },
  AIAAS_MOCK_MODEL_PORT: { schema: port, default: '8090', doc: 'Port of `aiaas mock-model`.' },
  AIAAS_METRICS_PORT: {
    schema: port,
    default: '9464',
    doc: 'Port of /metrics for the processes without an HTTP API (projector, ingest, audit-forwarder, reconciler).',
  },
  AIAAS_DATA_DIR: {
    schema: z.string().min(1),
    default: './.data',
    doc: 'Local data: PGlite, the generated admin token and the socket of the echo model (`aiaas dev`), the usage spool (`aiaas router`).',
  },
  AIAAS_ROUTER_CACHE_DIR: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'Local copy of the read models a separate `aiaas router` serves from while PostgreSQL is down (LMDB: keys by hash, models, wrapped data keys, feed position); one per router process. Unset: `$AIAAS_DATA_DIR/router-replica`.',
  },
  AIAAS_ROUTER_WORKERS: {
    schema: z.union([z.literal('auto'), positiveInt.max(64)]),
    default: '1',
    doc: 'Processes `aiaas router` serves with (node:cluster, one port): `auto` is one per core. Each worker is a replica of its own (key cache, usage spool and local copy under `worker-<n>` of the data and cache dirs); limits and budgets stay exact across them (Redis); /metrics sums them.',
  },
  AIAAS_ROUTER_WORKER_INDEX: {
    schema: z.coerce.number().int().min(0).max(63).optional(),
    default: undefined,
    doc: "Set by `aiaas router` for each worker it forks (the worker's `worker-<n>` directories; a worker forked again gets the same); not to be set by hand.",
  },
  AIAAS_ADMIN_TOKEN: {
    schema: z.string().min(16, 'at least 16 characters').optional(),
    default: undefined,
    doc: 'Platform-admin bearer token for the admin and analytics APIs. Unset: generated once, stored in the data dir (0600).',
  },
  AIAAS_KEK: {
    schema: z
      .string()
      .refine(isKeyringText, '`<id>:<base64 of 32 bytes>` entries, comma-separated, ids distinct')
      .optional(),
    default: undefined,
    doc: 'Key-encryption keys of stored secrets (provider API keys): `<id>:<base64 of 32 bytes>`, comma-separated; the first wraps new data keys, the others only unwrap (rotation, then `aiaas secrets rotate-kek`). Unset: `aiaas dev` generates one into the data dir (0600); separate processes cannot store or use a secret.',
  },
  AIAAS_ISSUER_URL: {
    schema: z
      .url()
      .refine((url) => new URL(url).pathname.replace(/\/$/, '') === '/oauth2', 'a URL whose path is /oauth2')
      .optional(),
    default: undefined,
    doc: 'The OAuth2 issuer as clients reach it (the `iss` of its tokens), ending in `/oauth2`. Unset: `http://AIAAS_HOST:<port>/oauth2` of `aiaas identity` (AIAAS_IDENTITY_PORT) or `aiaas dev` (PORT). Behind a proxy, set the public URL. A separate `aiaas analytics` expects tokens of this issuer and fetches its JWKS from `aiaas identity`.',
  },
  AIAAS_IDENTITY_URL: {
    schema: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    default: undefined,
    doc: "Where a separate `aiaas analytics` reaches `aiaas identity` for the issuer's JWKS (`<url>/oauth2/jwks`): `http://identity:8081` in the Compose file, the identity Service in the Helm chart. Unset: `http://AIAAS_HOST:AIAAS_IDENTITY_PORT`, right for processes on one host, not for containers (their AIAAS_HOST is `0.0.0.0`).",
  },
  AIAAS_CONSOLE_ANALYTICS_URL: {
    schema: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    default: undefined,
    doc: "Where the web console (served by `aiaas identity` at /console) calls the analytics API, as a browser reaches `aiaas analytics` (e.g. `https://analytics.example.com`). Unset: the issuer's origin, right for `aiaas dev`, where the analytics API is on the same port. Set it, then set AIAAS_CONSOLE_ORIGIN on `aiaas analytics`.",
  },
  AIAAS_CONSOLE_DIR: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'The built web console that `aiaas identity` and `aiaas dev` serve at /console (`npm run build:console`). Unset: `build/console` of the installation.',
  },
  AIAAS_CONSOLE_ORIGIN: {
    schema: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    default: undefined,
    doc: "The web console's origin (the issuer's, e.g. `https://identity.example.com`) that `aiaas analytics` answers cross-origin (CORS, with the Authorization header), and no other. Unset: no cross-origin requests are allowed.",
  },
  AIAAS_OAUTH2_TOKEN_RATE_PER_CLIENT: {
    schema: positiveInt,
    default: '60',
    doc: 'Requests per minute to `POST /oauth2/token` for one client id (HTTP Basic or `client_id`); beyond it 429 `slow_down` with `retry-after`. Counted in Redis by `aiaas identity` (per replica while Redis is away), in memory by `aiaas dev`.',
  },
  AIAAS_OAUTH2_TOKEN_RATE_PER_ADDRESS: {
    schema: positiveInt,
    default: '300',
    doc: 'Requests per minute to `POST /oauth2/token` from one client address (the TCP peer: behind a proxy, every client shares its address). Counted like AIAAS_OAUTH2_TOKEN_RATE_PER_CLIENT.',
  },
  AIAAS_DATABASE_URL: {
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
    default: 'postgres://aiaas:aiaas@127.0.0.1:5432/aiaas',
    doc: 'PostgreSQL for the separate processes (event store, read models, analytics).',
  },
  AIAAS_REDIS_URL: {
    schema: z.string().regex(/^rediss?:\/\//, 'a redis:// URL'),
    default: 'redis://127.0.0.1:6379',
    doc: 'Redis for rate limits and budget counters shared by router replicas (the projector reads the counters for budget alerts), and for the OAuth2 issuer of `aiaas identity`: its sessions, interactions, codes and refresh tokens, and its token-endpoint limits.',
  },
  AIAAS_AMQP_URL: {
    schema: z.string().regex(/^amqps?:\/\//, 'an amqp:// URL'),
    default: 'amqp://guest:guest@127.0.0.1:5672',
    doc: 'RabbitMQ carrying usage events from the router to ingest.',
  },
  AIAAS_USAGE_QUEUE: {
    schema: z.string().min(1),
    default: 'aiaas.usage',
    doc: 'RabbitMQ queue of usage events.',
  },
  AIAAS_USAGE_PUBLISH_WINDOW_MS: {
    schema: z.coerce.number().int().min(0).max(1000),
    default: '0',
    doc: "How long, in ms, a router gathers usage events before publishing them as one batch (one wait for the broker's confirms); 0: those of one event-loop turn. Events wait in memory meanwhile (ADR 0005).",
  },
  AIAAS_INGEST_BATCH_MAX_EVENTS: {
    schema: positiveInt,
    default: '2000',
    doc: 'The most usage events ingest stores in one batch (one transaction); RabbitMQ keeps about twice this many events unacknowledged (prefetch in messages, adapted to the events per message).',
  },
  AIAAS_INGEST_BATCH_MAX_WAIT_MS: {
    schema: positiveInt,
    default: '200',
    doc: 'The longest, in ms, a usage event waits for its ingest batch to fill before the batch is stored.',
  },
  AIAAS_KAFKA_BROKERS: {
    schema: z.string().min(1),
    default: '127.0.0.1:9092',
    doc: 'Comma-separated Kafka brokers for the audit log.',
  },
  AIAAS_AUDIT_TOPIC: {
    schema: z.string().min(1),
    default: 'aiaas.audit.v1',
    doc: 'Kafka topic of the audit log (message format version 1, docs/audit.md).',
  },
  AIAAS_AUDIT_TOPIC_PARTITIONS: {
    schema: positiveInt,
    default: '3',
    doc: 'Partitions of the audit topic when the audit-forwarder creates it (events are keyed by stream).',
  },
  AIAAS_AUDIT_TOPIC_RETENTION_MS: {
    schema: z.coerce.number().int().min(-1),
    default: '-1',
    doc: 'retention.ms of the audit topic when the audit-forwarder creates it; -1 keeps every event.',
  },
  AIAAS_AUDIT_ANCHOR_INTERVAL_MS: {
    schema: z.coerce.number().int().min(0),
    default: '0',
    doc: 'How often, in ms, the audit-forwarder signs the event chain head and writes it to the S3 store (docs/audit.md, "Anchors"; needs AIAAS_KEK); 0: only `aiaas audit anchor`.',
  },
  AIAAS_AUDIT_ANCHOR_PREFIX: {
    schema: z.string().regex(/^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)+$/, 'key segments, each followed by /'),
    default: 'anchors/',
    doc: 'Object key prefix of the signed chain anchors and their JWKS in the S3 bucket.',
  },
  AIAAS_S3_ENDPOINT: {
    schema: z.url(),
    default: 'http://127.0.0.1:9000',
    doc: 'S3-compatible endpoint for exports.',
  },
  AIAAS_S3_REGION: { schema: z.string().min(1), default: 'us-east-1', doc: 'S3 region.' },
  AIAAS_S3_ACCESS_KEY_ID: { schema: z.string().min(1), default: 'aiaas', doc: 'S3 access key id.' },
  AIAAS_S3_SECRET_ACCESS_KEY: {
    schema: z.string().min(1),
    default: 'aiaas-secret-key',
    doc: 'S3 secret key.',
  },
  AIAAS_S3_BUCKET: { schema: z.string().min(3), default: 'aiaas-exports', doc: 'S3 bucket for exports.' },
  AIAAS_EXPORT_URL_TTL_SECONDS: {
    schema: z.coerce.number().int().min(1).max(604_800),
    default: 300,
    doc: 'Life of an export download URL (`download_url` of `GET /analytics/v1/exports/{id}`), 1 – 604800 s.',
  },
  AIAAS_EXPORT_LEASE_MS: {
    schema: z.coerce.number().int().min(1_000).max(3_600_000),
    default: 30_000,
    doc: "How long an export worker holds a job without renewing (it renews every page); a crashed worker's job is redone after this.",
  },
  AIAAS_RECONCILER_REPO: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'The tenants repository of `aiaas reconcile` and `aiaas reconciler` (docs/tenants-as-code.md): a local path or a URL the git CLI clones. `--repo` overrides it.',
  },
  AIAAS_RECONCILER_REF: {
    schema: z
      .string()
      .min(1)
      .refine((ref) => !ref.startsWith('-'), 'a branch, tag or commit'),
    default: 'HEAD',
    doc: "The branch, tag or commit of the tenants repository to reconcile; HEAD is the repository's default branch. `--ref` overrides it.",
  },
  AIAAS_RECONCILER_INTERVAL_MS: {
    schema: positiveInt,
    default: '60000',
    doc: 'How often `aiaas reconciler` fetches the tenants repository and applies it.',
  },
  AIAAS_RECONCILER_WORK_DIR: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'Where the reconciler keeps its bare clone of the tenants repository. Unset: `$AIAAS_DATA_DIR/reconciler`.',
  },
  AIAAS_RECONCILER_SECRETS_OUT: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'File (mode 0600) to which `aiaas reconciler` appends, one JSON line each, the secrets of the API keys it creates. Unset: a key it creates has no secret anyone saw (rotate it over the admin API). `aiaas reconcile --apply` prints them or writes `--secrets-out`.',
  },
  AIAAS_MODELS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'JSON array of models `[{"name","backend_url","input_usd_per_mtok","output_usd_per_mtok"}]`, each optionally with `"max_output_tokens"` (default 32768, at most 1000000; a larger `max_tokens` is refused with 400), `"backend_model"` and `"backend_socket_path"`; prices at most 100000 USD per million tokens. Unset: the built-in `echo` model. On start they seed the model catalogue (`/admin/v1/models`): each model never created there is created once (not those with a socket path or `backend_model`); the catalogue is routed beside these and wins on a shared name.',
  },
  AIAAS_BACKEND_ALLOWED_ADDRESSES: {
    schema: z
      .string()
      .transform(parseAddressClasses)
      .pipe(z.array(z.enum(ADDRESS_CLASSES))),
    default: '',
    doc: 'Model backend and budget alert webhook addresses allowed beyond public ones, comma-separated: `loopback`, `private` (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), `link-local` (169.254/16, fe80::/10). Empty: public addresses only. The metadata address 169.254.169.254 is never allowed.',
  },
  AIAAS_MOCK_BACKEND_URL: {
    schema: z.url().optional(),
    default: undefined,
    doc: 'Base URL (…/v1) of the `echo` model when AIAAS_MODELS is unset. Unset: a Unix socket in the data dir that only the router reaches (dev), or http://AIAAS_HOST:AIAAS_MOCK_MODEL_PORT/v1.',
  },
  AIAAS_ECHO_INPUT_USD_PER_MTOK: {
    schema: price,
    default: '0.5',
    doc: 'Price of the echo model, USD per million input tokens.',
  },
  AIAAS_ECHO_OUTPUT_USD_PER_MTOK: {
    schema: price,
    default: '1.5',
    doc: 'Price of the echo model, USD per million output tokens.',
  },
  AIAAS_DEFAULT_KEY_RPM: {
    schema: positiveInt,
    default: '600',
    doc: 'Requests per minute allowed per API key.',
  },
  AIAAS_BUDGET_LEASE_MS: {
    schema: positiveInt,
    default: '60000',
    doc: "Lease of a request's hold on the spend ledger; the router renews it every third of it while the request runs, so a hold outlives a router that died by at most this.",
  },
  AIAAS_BUDGET_ALERT_INTERVAL_MS: {
    schema: positiveInt,
    default: '5000',
    doc: 'How often the budget alert worker (projector process, or embedded) reads each budget with alert thresholds and records the thresholds its spend has crossed.',
  },
  AIAAS_BUDGET_RECONCILE_INTERVAL_MS: {
    schema: positiveInt,
    default: '60000',
    doc: "How often reconciliation (projector process, or embedded) compares each budget's current counter on the spend ledger with the recorded usage, raises a counter that fell behind and reports the drift (aiaas_budget_ledger_drift_usd).",
  },
  AIAAS_USAGE_RAW_RETENTION_DAYS: {
    schema: positiveInt,
    default: '90',
    doc: 'Days raw usage events are kept (ingest process, or embedded): older daily partitions of usage_raw are dropped whole and events older than that are refused; the rollups are kept.',
  },
  AIAAS_USAGE_PARTITIONS_AHEAD_DAYS: {
    schema: positiveInt,
    default: '7',
    doc: "Days ahead for which the ingest process (or embedded mode) keeps usage_raw's daily partitions created.",
  },
  AIAAS_USAGE_MAINTENANCE_INTERVAL_MS: {
    schema: positiveInt,
    default: '3600000',
    doc: 'How often the ingest process (or embedded mode) creates partitions ahead and applies raw retention; once at start too.',
  },
  AIAAS_BACKEND_TIMEOUT_MS: {
    schema: positiveInt,
    default: '60000',
    doc: 'Time limit of one attempt at a backend before its first content, and of each silence of its stream after it; a catalogue backend whose own timeout_ms is lower has that.',
  },
  AIAAS_ROUTE_TIMEOUT_MS: {
    schema: positiveInt,
    default: '120000',
    doc: 'Time limit of everything before the first byte of a request reaches the client: its attempts across backends and the waits between them (docs/routing.md).',
  },
  AIAAS_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level.',
  },
  AIAAS_TRACING: {
    schema: z.enum(['off', 'on']),
    default: 'off',
    doc: 'OpenTelemetry traces of every process, exported over OTLP/HTTP (docs/observability.md, Traces). `off`: no SDK started, no span, no `traceparent` read or sent.',
  },
  OTEL_SDK_DISABLED: {
    schema: z.string().transform((text) => text.trim().toLowerCase() === 'true'),
    default: 'false',
    doc: 'OpenTelemetry standard: `true` turns tracing off whatever AIAAS_TRACING says.',
  },
  OTEL_SERVICE_NAME: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'OpenTelemetry standard: `service.name` of the spans. Unset: `aiaas-<process>` (`aiaas-router`, `aiaas-identity`, …).',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    default: undefined,
    doc: 'OpenTelemetry standard: the OTLP/HTTP collector; spans go to `<endpoint>/v1/traces`. Unset: `http://localhost:4318`.',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    schema: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    default: undefined,
    doc: 'OpenTelemetry standard: the full URL spans are POSTed to (OTLP/HTTP JSON); wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
  },
  OTEL_TRACES_SAMPLER: {
    schema: z.enum(SAMPLER_NAMES),
    default: 'parentbased_always_on',
    doc: "OpenTelemetry standard: `always_on`, `always_off`, `traceidratio`, or `parentbased_` before one of them (a caller's sampled flag decides for its trace).",
  },
  OTEL_TRACES_SAMPLER_ARG: {
    schema: z.coerce.number().min(0).max(1).optional(),
    default: undefined,
    doc: 'OpenTelemetry standard: the ratio of traces the `traceidratio` samplers keep, 0 to 1. Unset: 1.',
  },
} as const

type Vars = typeof configVariables
export type Config = { [K in keyof Vars]: z.output<Vars[K]['schema']> }

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'
}

/** Validates the environment; a bad value names the variable, the value and what is expected. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, spec] of Object.entries(configVariables)) {
    const raw = env[name] === '' ? undefined : env[name]
    const parsed = spec.schema.safeParse(raw ?? spec.default)
    if (parsed.success) out[name] = parsed.data
    else
      problems.push(
        `${name}=${JSON.stringify(raw)}: expected ${parsed.error.issues[0]?.message ?? 'a valid value'}`,
      )
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  return out as Config
}
