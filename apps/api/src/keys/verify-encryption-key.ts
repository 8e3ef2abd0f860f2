import { CheckedSecretProvider, SecretProvider } from '@avn/crypto';

/**
 * Refuses to go on (before any module uses a key) when this instance's key-encryption key is not the
 * one the database's data is encrypted with (KeyMismatchError names the key source), or its key file
 * is unusable (KeyFileError). Used by the server's start-up and by the CLI.
 */
export async function verifyEncryptionKey(app: { get(token: typeof SecretProvider): SecretProvider }): Promise<void> {
  const secrets = app.get(SecretProvider);
  if (secrets instanceof CheckedSecretProvider) await secrets.verifyKeys();
}
