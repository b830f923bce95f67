import { Sha256 } from '@smithy/core/checksum'
import { SignatureV4 } from '@smithy/signature-v4'

// Presigned GET URLs (SigV4 query authentication) with the SDK's own signer.
// Interim: @aws-sdk/s3-request-presigner is not a dependency yet. It does what prepare() below
// does (UNSIGNED-PAYLOAD, host with port, path-style) around the same SignatureV4; once it is
// installed, this file becomes getSignedUrl(client, new GetObjectCommand(...), { expiresIn }).
// @smithy/signature-v4 and @smithy/core are dependencies of @aws-sdk/client-s3, not of ours.

export interface PresignerOptions {
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

export type PresignGet = (key: string, expiresInSeconds: number) => Promise<string>

export function createPresigner(options: PresignerOptions): PresignGet {
  const endpoint = new URL(options.endpoint)
  const basePath = endpoint.pathname.replace(/\/+$/, '')
  const signer = new SignatureV4({
    service: 's3',
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    sha256: Sha256,
    // S3 signs the path as sent (encoded once), unlike other AWS services.
    uriEscapePath: false,
    applyChecksum: false,
  })

  return async (key, expiresInSeconds) => {
    const signed = await signer.presign(
      {
        method: 'GET',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port === '' ? {} : { port: Number(endpoint.port) }),
        // Path-style (/bucket/key): works with any S3 server, no wildcard DNS needed.
        path: `${basePath}/${options.bucket}/${encodeKey(key)}`,
        query: {},
        // A presigned GET never carries a body; S3 verifies query-signed requests against this.
        headers: { host: endpoint.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn: expiresInSeconds },
    )
    const pairs: string[] = []
    for (const [name, value] of Object.entries(signed.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== null) pairs.push(`${rfc3986(name)}=${rfc3986(v)}`)
      }
    }
    return `${endpoint.protocol}//${endpoint.host}${signed.path}?${pairs.join('&')}`
  }
}

const encodeKey = (key: string): string => key.split('/').map(rfc3986).join('/')

// SigV4's URI encoding: encodeURIComponent plus the five characters it leaves alone.
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
