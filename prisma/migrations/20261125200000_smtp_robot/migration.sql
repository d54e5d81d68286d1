-- SMTP robot: the inbound-message log (exactly-once delivery and the decision
-- trace of every message), the spam quarantine, and the per-address switch
-- for confirmations to the sender. Written by hand in the SQL `prisma migrate
-- diff` emits for prisma/schema.prisma; test/store/schema-drift.test.ts
-- compares the result with the schema.

-- AlterTable
ALTER TABLE `submission_addresses` ADD COLUMN `confirmations` BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE `inbound_messages` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `userId` BIGINT NOT NULL,
    `addressId` BIGINT NOT NULL,
    `collectionId` BIGINT NULL,
    `dedupeKey` VARCHAR(64) NULL,
    `messageId` VARCHAR(255) NOT NULL,
    `mailFrom` VARCHAR(320) NOT NULL,
    `rcptTo` VARCHAR(320) NOT NULL,
    `remoteAddress` VARCHAR(45) NOT NULL,
    `headerFrom` VARCHAR(320) NOT NULL,
    `subject` VARCHAR(255) NOT NULL,
    `sizeBytes` INTEGER NOT NULL,
    `outcome` ENUM('accepted', 'duplicate', 'quarantined', 'rejected', 'deferred') NOT NULL,
    `reply` VARCHAR(512) NOT NULL,
    `spamScore` DOUBLE NULL,
    `trace` TEXT NOT NULL,
    `receivedAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `inbound_messages_userId_receivedAt_idx`(`userId`, `receivedAt`),
    UNIQUE INDEX `inbound_messages_addressId_dedupeKey_key`(`addressId`, `dedupeKey`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `quarantined_messages` (
    `inboundMessageId` BIGINT NOT NULL,
    `userId` BIGINT NOT NULL,
    `spamScore` DOUBLE NOT NULL,
    `spamSymbols` VARCHAR(2000) NOT NULL,
    `raw` LONGBLOB NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `quarantined_messages_userId_createdAt_idx`(`userId`, `createdAt`),
    PRIMARY KEY (`inboundMessageId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `inbound_messages` ADD CONSTRAINT `inbound_messages_addressId_fkey` FOREIGN KEY (`addressId`) REFERENCES `submission_addresses`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `quarantined_messages` ADD CONSTRAINT `quarantined_messages_inboundMessageId_fkey` FOREIGN KEY (`inboundMessageId`) REFERENCES `inbound_messages`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
