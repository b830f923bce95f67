import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

// AES-256-GCM with a random 96-bit IV per encryption and associated data binding the ciphertext to
// its purpose (a data key id), so a ciphertext moved to another record does not decrypt.
const ALG = 'aes-256-gcm'
const IV_BYTES = 12

export interface Encrypted {
  iv: Buffer
  ciphertext: Buffer
  tag: Buffer
}

export function encrypt(key: Buffer, plaintext: Buffer, aad: string): Encrypted {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(ALG, key, iv)
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}

/** Throws when the key is wrong or any byte (iv, ciphertext, tag, aad) was changed. */
export function decrypt(key: Buffer, encrypted: Encrypted, aad: string): Buffer {
  const decipher = createDecipheriv(ALG, key, encrypted.iv)
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(encrypted.tag)
  return Buffer.concat([decipher.update(encrypted.ciphertext), decipher.final()])
}
