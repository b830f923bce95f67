import type { SealedSecret } from '../../domain/secrets/sealed-secret.ts'

// Envelope encryption of secrets (provider API keys; later signing secrets). Adapter:
// infra/crypto/secret-box.ts. Plaintext goes in and comes out here and nowhere else.
export interface SecretBox {
  /** Encrypts under a new data key, wrapped by the active key-encryption key. */
  seal(plaintext: string): Promise<SealedSecret>
  /** Decrypts; refuses (SECRET_UNREADABLE) a secret whose data key is gone or was tampered with. */
  open(sealed: SealedSecret): Promise<string>
}
