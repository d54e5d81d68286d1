-- Alerts and outbound mail: alert subscriptions and preferences, the
-- fan-out cursor and circuit breaker per collection, item snapshots for
-- alert texts, the outbox, bounces, digest and reminder bookkeeping,
-- webhooks and their deliveries, shared service secrets, and an index on
-- the change log by time for digests. Written by hand
-- in the SQL `prisma migrate diff` emits for prisma/schema.prisma;
-- test/store/schema-drift.test.ts compares the result with the schema.

-- CreateIndex
CREATE INDEX `changes_collectionId_createdAt_idx` ON `changes`(`collectionId`, `createdAt`);

-- CreateTable
CREATE TABLE `alert_subscriptions` (
    `collectionId` BIGINT NOT NULL,
    `userId` BIGINT NOT NULL,
    `mode` ENUM('immediate', 'digest', 'off') NOT NULL,
    `updatedAt` DATETIME(3) NOT NULL,

    INDEX `alert_subscriptions_userId_idx`(`userId`),
    PRIMARY KEY (`collectionId`, `userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `alert_preferences` (
    `userId` BIGINT NOT NULL,
    `digestTime` VARCHAR(5) NOT NULL DEFAULT '07:00',
    `updatedAt` DATETIME(3) NOT NULL,

    PRIMARY KEY (`userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `collection_alert_state` (
    `collectionId` BIGINT NOT NULL,
    `alertedPosition` BIGINT NOT NULL DEFAULT 0,
    `lastBatchAt` DATETIME(3) NULL,
    `budgetWindowStart` DATETIME(3) NULL,
    `budgetWindowChanges` INTEGER NOT NULL DEFAULT 0,
    `frozenAt` DATETIME(3) NULL,
    `frozenReason` VARCHAR(500) NOT NULL DEFAULT '',
    `defaultReminderMinutes` INTEGER NULL,
    `updatedAt` DATETIME(3) NOT NULL,

    PRIMARY KEY (`collectionId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `alert_item_snapshots` (
    `collectionId` BIGINT NOT NULL,
    `uid` VARCHAR(255) NOT NULL,
    `summary` VARCHAR(255) NOT NULL DEFAULT '',
    `startUtc` DATETIME(3) NULL,
    `location` VARCHAR(255) NOT NULL DEFAULT '',
    `deletedAt` DATETIME(3) NULL,
    `updatedAt` DATETIME(3) NOT NULL,

    PRIMARY KEY (`collectionId`, `uid`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `outbox` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `kind` VARCHAR(32) NOT NULL,
    `recipient` VARCHAR(320) NOT NULL,
    `userId` BIGINT NULL,
    `collectionId` BIGINT NULL,
    `messageId` VARCHAR(255) NOT NULL,
    `verpToken` VARCHAR(32) NOT NULL,
    `payload` MEDIUMTEXT NOT NULL,
    `state` ENUM('queued', 'sending', 'sent', 'dead') NOT NULL DEFAULT 'queued',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `nextAttemptAt` DATETIME(3) NOT NULL,
    `leaseUntil` DATETIME(3) NULL,
    `claimedBy` VARCHAR(64) NULL,
    `lastError` VARCHAR(1000) NOT NULL DEFAULT '',
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `sentAt` DATETIME(3) NULL,

    INDEX `outbox_state_nextAttemptAt_idx`(`state`, `nextAttemptAt`),
    INDEX `outbox_recipient_createdAt_idx`(`recipient`, `createdAt`),
    INDEX `outbox_collectionId_createdAt_idx`(`collectionId`, `createdAt`),
    UNIQUE INDEX `outbox_messageId_key`(`messageId`),
    UNIQUE INDEX `outbox_verpToken_key`(`verpToken`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `mail_bounces` (
    `email` VARCHAR(320) NOT NULL,
    `hardBounces` INTEGER NOT NULL DEFAULT 0,
    `softBounces` INTEGER NOT NULL DEFAULT 0,
    `lastStatus` VARCHAR(16) NOT NULL DEFAULT '',
    `lastDiagnostic` VARCHAR(1000) NOT NULL DEFAULT '',
    `lastBouncedAt` DATETIME(3) NULL,
    `suspendedAt` DATETIME(3) NULL,
    `suspendedReason` VARCHAR(1000) NOT NULL DEFAULT '',

    INDEX `mail_bounces_suspendedAt_idx`(`suspendedAt`),
    PRIMARY KEY (`email`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `digest_deliveries` (
    `userId` BIGINT NOT NULL,
    `collectionId` BIGINT NOT NULL,
    `localDate` VARCHAR(10) NOT NULL,
    `sent` BOOLEAN NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `digest_deliveries_createdAt_idx`(`createdAt`),
    PRIMARY KEY (`userId`, `collectionId`, `localDate`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `reminder_deliveries` (
    `collectionId` BIGINT NOT NULL,
    `uid` VARCHAR(255) NOT NULL,
    `occurrence` DATETIME(3) NOT NULL,
    `alarmKey` VARCHAR(64) NOT NULL,
    `userId` BIGINT NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `reminder_deliveries_occurrence_idx`(`occurrence`),
    PRIMARY KEY (`collectionId`, `uid`, `occurrence`, `alarmKey`, `userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `webhooks` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `userId` BIGINT NOT NULL,
    `collectionId` BIGINT NOT NULL,
    `url` VARCHAR(2000) NOT NULL,
    `secret` VARCHAR(64) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `lastSuccessAt` DATETIME(3) NULL,

    INDEX `webhooks_collectionId_idx`(`collectionId`),
    UNIQUE INDEX `webhooks_userId_collectionId_key`(`userId`, `collectionId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `webhook_deliveries` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `webhookId` BIGINT NOT NULL,
    `payload` MEDIUMTEXT NOT NULL,
    `state` ENUM('queued', 'sending', 'sent', 'dead') NOT NULL DEFAULT 'queued',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `nextAttemptAt` DATETIME(3) NOT NULL,
    `leaseUntil` DATETIME(3) NULL,
    `claimedBy` VARCHAR(64) NULL,
    `lastError` VARCHAR(1000) NOT NULL DEFAULT '',
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `deliveredAt` DATETIME(3) NULL,

    INDEX `webhook_deliveries_state_nextAttemptAt_idx`(`state`, `nextAttemptAt`),
    INDEX `webhook_deliveries_webhookId_idx`(`webhookId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `service_secrets` (
    `name` VARCHAR(64) NOT NULL,
    `secret` VARCHAR(128) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`name`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `alert_subscriptions` ADD CONSTRAINT `alert_subscriptions_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `alert_subscriptions` ADD CONSTRAINT `alert_subscriptions_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `alert_preferences` ADD CONSTRAINT `alert_preferences_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `collection_alert_state` ADD CONSTRAINT `collection_alert_state_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `alert_item_snapshots` ADD CONSTRAINT `alert_item_snapshots_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `webhooks` ADD CONSTRAINT `webhooks_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `webhooks` ADD CONSTRAINT `webhooks_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_webhookId_fkey` FOREIGN KEY (`webhookId`) REFERENCES `webhooks`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
