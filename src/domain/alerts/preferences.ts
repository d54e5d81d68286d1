// A user's alert preferences: the local time of their daily digests.
import type { Store } from '../../store/index.ts';
import { InvalidInput } from '../errors.ts';
import { DEFAULT_DIGEST_TIME, isDigestTime } from './digest-schedule.ts';

export interface AlertPreferences {
  /** "HH:MM" in the user's time zone (users.timeZone). */
  digestTime: string;
  timeZone: string;
}

export async function getAlertPreferences(store: Store, userId: bigint): Promise<AlertPreferences> {
  const user = await store.db.user.findUniqueOrThrow({ where: { id: userId }, select: { timeZone: true, alertPreference: { select: { digestTime: true } } } });
  return { digestTime: user.alertPreference?.digestTime ?? DEFAULT_DIGEST_TIME, timeZone: user.timeZone };
}

export async function setDigestTime(store: Store, userId: bigint, digestTime: string): Promise<AlertPreferences> {
  if (!isDigestTime(digestTime)) throw new InvalidInput(`the digest time must look like 07:00 (24-hour HH:MM), got "${digestTime}"`);
  await store.db.alertPreference.upsert({ where: { userId }, create: { userId, digestTime }, update: { digestTime } });
  return getAlertPreferences(store, userId);
}
