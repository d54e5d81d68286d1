// Alert subscriptions: per member per collection, immediate, daily digest or
// off. Without a row the default applies: immediate for a collection shared
// with the member, off for the member's own (the owner is the one making
// most of its changes, and own changes never alert anyway).
import type { Store } from '../../store/index.ts';
import { requireRead, type Role } from '../access.ts';
import { InvalidInput } from '../errors.ts';

export const ALERT_MODES = ['immediate', 'digest', 'off'] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

export function defaultMode(role: Role): AlertMode {
  return role === 'owner' ? 'off' : 'immediate';
}

export function effectiveMode(role: Role, chosen: AlertMode | null | undefined): AlertMode {
  return chosen ?? defaultMode(role);
}

export interface SubscriptionView {
  collectionId: bigint;
  mode: AlertMode;
  /** True when no choice was made and the role's default applies. */
  isDefault: boolean;
}

export async function getSubscription(store: Store, userId: bigint, collectionId: bigint): Promise<SubscriptionView> {
  const role = await requireRead(store.db, userId, collectionId);
  const row = await store.db.alertSubscription.findUnique({ where: { collectionId_userId: { collectionId, userId } }, select: { mode: true } });
  return { collectionId, mode: effectiveMode(role, row?.mode), isDefault: !row };
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
