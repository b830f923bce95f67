import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import { scopeOf } from './request-scope.ts'

// ETag = the resource's stream version; If-Match turns it back into the version the command
// expects. Strong validators: one version is one exact representation.

const ETAG = /^(?:W\/)?"(\d{1,15})"$/

/** Sets `ETag: "<version>"` on a GET (or write) of one resource. */
export function setETag(reply: FastifyReply, version: number): void {
  reply.header('etag', `"${version}"`)
}

/** The version in If-Match; null when absent or `*`. A list or a malformed tag is a 400. */
export function ifMatchVersion(request: FastifyRequest): number | null {
  const header = request.headers['if-match']
  if (header === undefined || header.trim() === '*') return null
  const match = ETAG.exec(header.trim())
  if (!match?.[1]) {
    throw new AppError('INVALID_IF_MATCH', 'If-Match must be one ETag of this API, e.g. "3"', {
      if_match: header.slice(0, 40),
    })
  }
  return Number(match[1])
}

/**
 * Call before running a PATCH's or DELETE's command(s) on `stream`: when the request has an
 * If-Match, the command fails with 412 PRECONDITION_FAILED unless the stream is still at that
 * version (checked when the command loads it, so no write can slip in between).
 */
export function requireIfMatch(request: FastifyRequest, stream: string): void {
  const version = ifMatchVersion(request)
  if (version !== null) scopeOf(request).precondition = { stream, version }
}

/** 201 with `Location` (the path of what was created, e.g. `${app.prefix}/organizations/<id>`). */
export function created(reply: FastifyReply, location: string): void {
  reply.code(201).header('location', location)
}
