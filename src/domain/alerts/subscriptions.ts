// Alert subscriptions: per member per collection, immediate, daily digest or
// off. Without a row the default applies: immediate, for the owner too (an
// owner expects to hear when a sharee edits their collection; their own
// changes never alert anyone, so a private collection stays quiet).
import type { Store } from '../../store/index.ts';
import { requireRead } from '../access.ts';
import { InvalidInput } from '../errors.ts';

export const ALERT_MODES = ['immediate', 'digest', 'off'] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

export const DEFAULT_ALERT_MODE: AlertMode = 'immediate';

export function effectiveMode(chosen: AlertMode | null | undefined): AlertMode {
  return chosen ?? DEFAULT_ALERT_MODE;
}

export interface SubscriptionView {
  collectionId: bigint;
  mode: AlertMode;
  /** True when no choice was made and the role's default applies. */
  isDefault: boolean;
}

export async function getSubscription(store: Store, userId: bigint, collectionId: bigint): Promise<SubscriptionView> {
  await requireRead(store.db, userId, collectionId);
  const row = await store.db.alertSubscription.findUnique({ where: { collectionId_userId: { collectionId, userId } }, select: { mode: true } });
  return { collectionId, mode: effectiveMode(row?.mode), isDefault: !row };
}

/** Sets the member's mode for one collection; NotFound for non-members (access.ts). */
export async function setSubscription(store: Store, userId: bigint, collectionId: bigint, mode: string): Promise<SubscriptionView> {
  if (!(ALERT_MODES as readonly string[]).includes(mode)) throw new InvalidInput(`alert mode must be one of ${ALERT_MODES.join(', ')}, got "${mode}"`);
  await requireRead(store.db, userId, collectionId);
  await store.db.alertSubscription.upsert({
    where: { collectionId_userId: { collectionId, userId } },
    create: { collectionId, userId, mode: mode as AlertMode },
    update: { mode: mode as AlertMode },
  });
  return { collectionId, mode: mode as AlertMode, isDefault: false };
}
