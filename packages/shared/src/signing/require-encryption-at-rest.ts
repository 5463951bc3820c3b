import { WebhookError } from '../errors.js';
import type { Settings } from '../settings.js';

/**
 * Refuses settings that would store endpoint secrets unencrypted without
 * saying so: encryption at rest is the default, and plaintext needs the
 * explicit `WEBHOOK_ALLOW_PLAINTEXT_SECRETS=true`. Every process that reads or
 * writes secrets (producer, worker, API, CLI) calls this before it connects
 * to anything.
 *
 * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_SECRET_ENCRYPTION_KEYS`), one line.
 */
export function requireEncryptionAtRest(
  settings: Pick<Settings, 'secretEncryptionKeys' | 'allowPlaintextSecrets'>,
): void {
  if (settings.secretEncryptionKeys.length > 0 || settings.allowPlaintextSecrets) return;
  throw new WebhookError({
    code: 'INVALID_SETTINGS',
    field: 'WEBHOOK_SECRET_ENCRYPTION_KEYS',
    message:
      'WEBHOOK_SECRET_ENCRYPTION_KEYS is not set: endpoint secrets are encrypted at rest; set it to k1:$(openssl rand -base64 32), or WEBHOOK_ALLOW_PLAINTEXT_SECRETS=true to store them unencrypted (local development only)',
  });
}
