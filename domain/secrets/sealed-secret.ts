// A secret as the write side stores it: AES-256-GCM ciphertext under its own data key. The data
// key itself is kept elsewhere, wrapped by a key-encryption key (docs/adr/0010), so an event or a
// read model holding this never holds anything that decrypts on its own.
import { z } from 'zod'

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')

export const sealedSecretSchema = z.object({
  /** The data key that encrypted it (a row of secret_data_keys). */
  data_key_id: z.uuid(),
  alg: z.literal('AES-256-GCM'),
  iv: base64,
  ciphertext: base64,
  tag: base64,
})

export type SealedSecret = z.infer<typeof sealedSecretSchema>

/** Secrets shorter than this show no hint at all: four characters of a short secret say too much. */
const HINT_MIN_LENGTH = 16

/** The last four characters of a long secret, to recognise it in a GET; null for a short one. */
export function secretHint(plaintext: string): string | null {
  return plaintext.length >= HINT_MIN_LENGTH ? plaintext.slice(-4) : null
}
