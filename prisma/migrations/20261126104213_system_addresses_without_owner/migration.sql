-- The service's own routing-table rows (kind 'bounce': bounces@ and
-- unsubscribe@MAIL_DOMAIN) belong to no user. Earlier versions gave them to
-- the first admin (else the first user), so they showed among that user's
-- addresses and in their export, and deleting that account deleted them.
-- The schema part is written by hand in the SQL `prisma migrate diff` emits
-- for prisma/schema.prisma; test/store/schema-drift.test.ts compares the
-- result with the schema.

-- DropForeignKey
ALTER TABLE `submission_addresses` DROP FOREIGN KEY `submission_addresses_userId_fkey`;

-- AlterTable
ALTER TABLE `submission_addresses` MODIFY `userId` BIGINT NULL;

-- AddForeignKey
ALTER TABLE `submission_addresses` ADD CONSTRAINT `submission_addresses_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- Data: existing return addresses lose the owner they were given.
UPDATE `submission_addresses` SET `userId` = NULL WHERE `kind` = 'bounce';
