import { newId, type Database, type PortalSessionRow } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import { hashApiKey } from '../auth/api-key.js';
import {
  PORTAL_SESSION_PREFIX,
  PORTAL_TOKEN_PREFIX,
  generatePortalSecret,
  looksLikePortalSecret,
} from './portal-secret.js';

/** What a portal link is for. */
export interface PortalSessionScope {
  readonly organizationId: string;
  /** The one agent the session is narrowed to; null: every agent of the organization. */
  readonly agentId: string | null;
}

/** A minted portal link: its one-time token, shown this once. */
export interface MintedPortalSession extends PortalSessionScope {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: Date;
}

/** An exchanged token: the session cookie's secret, shown this once. */
export interface OpenedPortalSession extends PortalSessionScope {
  readonly id: string;
  readonly secret: string;
  readonly expiresAt: Date;
}

const RETURNED = ['id', 'organization_id', 'agent_id', 'expires_at'] as const;

function sessionOf(
  row: Pick<PortalSessionRow, (typeof RETURNED)[number]>,
): PortalSessionScope & { readonly id: string; readonly expiresAt: Date } {
  return {
    id: row.id,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    expiresAt: row.expires_at,
  };
}

/**
 * Portal links and sessions in Postgres, stored only as SHA-256 hashes (the
 * token and the session secret each carry 256 random bits). A token opens
 * one session, once, before it expires; the session ends when the link does.
 */
export class PortalSessionStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Mints a link for `scope`, valid for `ttlMs`; drops sessions that ended a day ago or more. */
  async mint(
    scope: PortalSessionScope & { readonly createdBy: string; readonly ttlMs: number },
  ): Promise<MintedPortalSession> {
    await this.#db
      .deleteFrom('webhook_portal_sessions')
      .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
      .execute();
    const token = generatePortalSecret(PORTAL_TOKEN_PREFIX);
    const row = await this.#db
      .insertInto('webhook_portal_sessions')
      .values({
        id: newId('ps'),
        organization_id: scope.organizationId,
        agent_id: scope.agentId,
        token_hash: hashApiKey(token),
        session_hash: null,
        created_by: scope.createdBy,
        exchanged_at: null,
        expires_at: sql<Date>`now() + ${`${scope.ttlMs} milliseconds`}::interval`,
      })
      .returning(RETURNED)
      .executeTakeFirstOrThrow();
    return { ...sessionOf(row), token };
  }

  /**
   * Exchanges a link's token for a session, in one statement so a token opens
   * at most one session even when two requests race. Undefined when the token
   * is unknown, already used or expired.
   */
  async exchange(token: string): Promise<OpenedPortalSession | undefined> {
    if (!looksLikePortalSecret(token, PORTAL_TOKEN_PREFIX)) return undefined;
    const secret = generatePortalSecret(PORTAL_SESSION_PREFIX);
    const row = await this.#db
      .updateTable('webhook_portal_sessions')
      .set({ session_hash: hashApiKey(secret), exchanged_at: sql<Date>`now()` })
      .where('token_hash', '=', hashApiKey(token))
      .where('session_hash', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning(RETURNED)
      .executeTakeFirst();
    return row === undefined ? undefined : { ...sessionOf(row), secret };
  }

  /** The live session whose cookie carries `secret`, if any. */
  async findActive(secret: string): Promise<PortalSessionRow | undefined> {
    if (!looksLikePortalSecret(secret, PORTAL_SESSION_PREFIX)) return undefined;
    return this.#db
      .selectFrom('webhook_portal_sessions')
      .selectAll()
      .where('session_hash', '=', hashApiKey(secret))
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
  }

  /** Ends the session whose cookie carries `secret` (signing out). */
  async end(secret: string): Promise<void> {
    if (!looksLikePortalSecret(secret, PORTAL_SESSION_PREFIX)) return;
    await this.#db
      .updateTable('webhook_portal_sessions')
      .set({ expires_at: sql<Date>`least(expires_at, now())` })
      .where('session_hash', '=', hashApiKey(secret))
      .execute();
  }
}
