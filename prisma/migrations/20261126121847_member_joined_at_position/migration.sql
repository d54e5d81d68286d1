-- Alerts start when a member joins: each membership records the
-- collection's change position at that moment, and alerts, digests and
-- webhooks leave out the changes up to it (a new member's first alert used
-- to list every existing item as "added"). Existing memberships get 0: they
-- were there for everything already alerted. Written by hand in the SQL
-- `prisma migrate diff` emits for prisma/schema.prisma;
-- test/store/schema-drift.test.ts compares the result with the schema.

-- AlterTable
ALTER TABLE `collection_members` ADD COLUMN `joinedAtPosition` BIGINT NOT NULL DEFAULT 0;
