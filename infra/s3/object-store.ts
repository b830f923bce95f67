import { Readable } from 'node:stream'
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { AppError } from '../../domain/errors.ts'
import type { Config } from '../config/config.ts'
import { assertObjectKey, assertPresignExpiry, type ObjectStore } from '../ports/object-store.ts'

export interface S3ObjectStoreOptions {
  /** AIAAS_S3_ENDPOINT, e.g. http://127.0.0.1:9000 */
  endpoint: string
  /** AIAAS_S3_REGION */
  region: string
  /** AIAAS_S3_ACCESS_KEY_ID / AIAAS_S3_SECRET_ACCESS_KEY */
  accessKeyId: string
  secretAccessKey: string
  /** AIAAS_S3_BUCKET; it must exist (infra/services/s3.sh creates it for tests). */
  bucket: string
  /** Upper bound of one call, retries included. */
  timeoutMs?: number
}

/** The options of the configured store (AIAAS_S3_*): one mapping for every process and test. */
export function s3OptionsOf(config: Config): S3ObjectStoreOptions {
  return {
    endpoint: config.AIAAS_S3_ENDPOINT,
    region: config.AIAAS_S3_REGION,
    accessKeyId: config.AIAAS_S3_ACCESS_KEY_ID,
    secretAccessKey: config.AIAAS_S3_SECRET_ACCESS_KEY,
    bucket: config.AIAAS_S3_BUCKET,
  }
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const timeoutMs = options.timeoutMs ?? 15_000
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // Path-style: S3-compatible servers on one host:port have no per-bucket DNS names.
    forcePathStyle: true,
    // Few attempts and short socket timeouts: an unreachable store must fail the export request
    // in seconds, not after the SDK's default backoff; abortSignal below is the hard bound.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000 },
  })
  const signal = () => AbortSignal.timeout(timeoutMs)

  return {
    async put(key, body, contentType) {
      assertObjectKey(key)
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
      // An explicit length: without it the SDK treats an empty body as a stream of unknown size.
      const command = new PutObjectCommand({
        Bucket: options.bucket,
        Key: key,
        Body: bytes,
        ContentLength: bytes.byteLength,
        ContentType: contentType,
      })
      try {
        await client.send(command, { abortSignal: signal() })
      } catch (error) {
        throw toAppError(error, key)
      }
    },

    async putStream(key, body, contentType) {
      assertObjectKey(key)
      // Multipart through lib-storage (docs/adr/0022): parts of 5 MiB (S3's minimum), at most two
      // in flight, so memory stays bounded whatever the export's size; S3 shows the object only
      // after CompleteMultipartUpload, and a failed upload is aborted (leavePartsOnError false).
      const upload = new Upload({
        client,
        params: { Bucket: options.bucket, Key: key, Body: Readable.from(body), ContentType: contentType },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      })
      try {
        await upload.done()
      } catch (error) {
        throw toAppError(error, key)
      }
    },

    async get(key) {
      assertObjectKey(key)
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }), {
          abortSignal: signal(),
        })
        if (output.Body === undefined) return Buffer.alloc(0)
        return Buffer.from(await output.Body.transformToByteArray())
      } catch (error) {
        if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return null
        throw toAppError(error, key)
      }
    },

    async list(prefix) {
      const keys: string[] = []
      let token: string | undefined
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: options.bucket, Prefix: prefix, ContinuationToken: token }),
            { abortSignal: signal() },
          )
          for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key)
          token = page.IsTruncated ? page.NextContinuationToken : undefined
        } while (token !== undefined)
      } catch (error) {
        throw toAppError(error, prefix)
      }
      // S3 lists in UTF-8 byte order already; sorted again so both adapters agree whatever the server.
      return keys.sort(byBytes)
    },

    async presignGet(key, expiresInSeconds) {
      assertObjectKey(key)
      assertPresignExpiry(expiresInSeconds)
      // Signed locally (SigV4 query authentication, path-style like every other call): no request.
      return getSignedUrl(client, new GetObjectCommand({ Bucket: options.bucket, Key: key }), {
        expiresIn: expiresInSeconds,
      })
    },

    async close() {
      client.destroy()
    },
  }
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

// A 5xx, a socket error or a timeout means "try again later"; a 4xx is a refusal (credentials,
// missing bucket, policy) that retrying will not fix.
function toAppError(error: unknown, key: string): unknown {
  if (error instanceof AppError) return error
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0
    const details = { key, s3_error: error.name, http_status: status }
    return status >= 500 || status === 0
      ? new AppError('OBJECT_STORE_UNAVAILABLE', `object store failed: ${error.message}`, details)
      : new AppError('OBJECT_STORE_REJECTED', `object store refused: ${error.message}`, details)
  }
  if (error instanceof Error) {
    return new AppError('OBJECT_STORE_UNAVAILABLE', `object store unreachable: ${error.message}`, {
      key,
      cause: error.name,
    })
  }
  return error
}
