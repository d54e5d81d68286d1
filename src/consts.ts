// Named limits and protocol strings, shared by code and tests.

/** Largest calendar object accepted (CalDAV max-resource-size). */
export const MAX_ITEM_BYTES = 1024 * 1024;

/** Instances walked to find where a bounded recurrence ends. */
export const MAX_RECURRENCE_EXPANSION = 20_000;

/** Default quota for new users: 100 MiB. */
export const DEFAULT_QUOTA_BYTES = 100n * 1024n * 1024n;

/** Random bits in a submission address's local part (at least 64 required). */
export const ADDRESS_RANDOM_BITS = 80;

/** Minimum password length for accounts. */
export const MIN_PASSWORD_LENGTH = 8;

export const MEMBER_ROLES = ['owner', 'editor', 'viewer'] as const;
export const SENDER_POLICIES = ['owner', 'members', 'allowlist', 'anyone'] as const;
export const ITEM_MODES = ['auto', 'event', 'task', 'note'] as const;
export const ITEM_ORIGINS = ['caldav', 'email', 'web', 'api'] as const;
