import type { PortalSettings } from '@letta-webhooks/shared';
import type { PortalAsset } from './portal-assets.js';
import type { PortalSessionStore } from './portal-session-store.js';

/** What the portal's routes use; {@link startApi} builds it. */
export interface PortalServices {
  readonly sessions: Pick<PortalSessionStore, 'mint' | 'exchange' | 'findActive' | 'end'>;
  readonly settings: PortalSettings;
  /** The built pages; undefined when `pnpm build` has not made them (the portal then answers 503). */
  readonly assets: ReadonlyMap<string, PortalAsset> | undefined;
}
