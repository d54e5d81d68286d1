import type { AuditContext } from '../domain/audit.ts';

/** Actions taken from the command line are the operator's: no user actor. */
export const CLI_AUDIT: AuditContext = { actorUserId: null, channel: 'cli' };
