import type { Database, PreviousSecret, SecretCipher } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';

/**
 * Rewrites every stored secret (endpoint secrets, their rotated-out secrets,
 * organization callback secrets) that is not sealed with the cipher's
 * current key. Each row in its own short transaction, locked while rewritten.
 * Returns how many rows changed.
 */
export async function resealSecrets(db: Kysely<Database>, cipher: SecretCipher): Promise<number> {
  const reseal = (stored: string) =>
    cipher.needsReseal(stored) ? cipher.seal(cipher.open(stored)) : stored;
  let changed = 0;

  const endpoints = await db.selectFrom('webhook_endpoints').select('id').execute();
  for (const { id } of endpoints) {
    changed += await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('webhook_endpoints')
        .select(['secret', 'previous_secrets'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return 0;
      const previous: PreviousSecret[] = row.previous_secrets.map((p) => ({
        ...p,
        secret: reseal(p.secret),
      }));
      const secret = reseal(row.secret);
      if (
        secret === row.secret &&
        previous.every((p, i) => p.secret === row.previous_secrets[i]?.secret)
      )
        return 0;
      await trx
        .updateTable('webhook_endpoints')
        .set({
          secret,
          previous_secrets: sql<PreviousSecret[]>`${JSON.stringify(previous)}::jsonb`,
        })
        .where('id', '=', id)
        .execute();
      return 1;
    });
  }

  const organizations = await db
    .selectFrom('webhook_organization_secrets')
    .select(['organization_id', 'secret'])
    .execute();
  for (const row of organizations) {
    if (!cipher.needsReseal(row.secret)) continue;
    const result = await db
      .updateTable('webhook_organization_secrets')
      .set({ secret: reseal(row.secret) })
      .where('organization_id', '=', row.organization_id)
      .where('secret', '=', row.secret)
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}
