// Small builders for domain tests: users, collections and calendar objects.
import { randomBytes } from 'node:crypto';
import { createUser, type User } from '../../src/domain/accounts.ts';
import type { AuditContext } from '../../src/domain/audit.ts';
import { createCollection, type Collection, type NewCollection } from '../../src/domain/collections.ts';
import type { Store } from '../../src/store/index.ts';

export const TEST_AUDIT: AuditContext = { actorUserId: null, channel: 'system' };

export async function makeUser(store: Store, name = 'user', extra: { quotaBytes?: bigint; isAdmin?: boolean } = {}): Promise<User> {
  return createUser(store, { email: `${name}-${randomBytes(3).toString('hex')}@example.com`, password: 'correct horse battery', ...extra }, TEST_AUDIT);
}

export async function makeCollection(store: Store, owner: User, extra: Partial<NewCollection> = {}): Promise<Collection> {
  return createCollection(store, { ownerId: owner.id, name: 'Family', ...extra }, TEST_AUDIT);
}

/** A minimal valid VEVENT; `summary` and times vary per call. */
export function eventIcs(uid: string, opts: { summary?: string; start?: string; end?: string; extra?: string } = {}): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Tidings tests//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261101T080000Z',
    `DTSTART:${opts.start ?? '20261201T100000Z'}`,
    `DTEND:${opts.end ?? '20261201T110000Z'}`,
    `SUMMARY:${opts.summary ?? 'Dentist'}`,
    ...(opts.extra ? [opts.extra] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export function todoIcs(uid: string, summary = 'Buy milk'): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings tests//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', `SUMMARY:${summary}`, 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
}
