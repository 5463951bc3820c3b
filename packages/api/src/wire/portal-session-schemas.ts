import { resourceIdSchema } from '@letta-webhooks/shared';
import { z } from 'zod';
import { isoTime } from './common-schemas.js';
import { named } from './registry.js';

/** `POST /v1/portal-sessions`. */
export const createPortalSessionBodySchema = named(
  'CreatePortalSession',
  z.strictObject({
    organization_id: resourceIdSchema
      .optional()
      .describe("Required with an admin key; an organization's key opens its own."),
    agent_id: resourceIdSchema
      .optional()
      .describe("Narrows the portal to this agent's endpoints and deliveries."),
  }),
);

/** A minted portal link. */
export const portalSessionSchema = named(
  'PortalSession',
  z.object({
    id: z.string(),
    url: z
      .string()
      .describe(
        'Open this in a browser (a new tab, not a frame). The one-time token is in the fragment, so it never reaches a server log; it works once, until `expires_at`.',
      ),
    organization_id: z.string(),
    agent_id: z.string().nullable(),
    expires_at: isoTime.describe('When the link, and the session it opens, end.'),
  }),
);

/** `POST /portal/api/session`: the page exchanges the link's token for a session cookie. */
export const exchangePortalTokenBodySchema = z.strictObject({
  token: z.string().min(1).max(200),
});

/** The session the portal page runs in. */
export const portalWhoAmISchema = z.object({
  organization_id: z.string(),
  agent_id: z.string().nullable(),
  expires_at: isoTime,
});
