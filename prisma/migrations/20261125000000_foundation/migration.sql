-- Foundation: users, collections, members, items, change log, routing table,
-- audit log and the store epoch. Written by hand in the SQL `prisma migrate
-- diff` emits for prisma/schema.prisma; test/store/schema-drift.test.ts
-- compares the result with the schema.

-- CreateTable
CREATE TABLE `store_epoch` (
    `id` INTEGER NOT NULL,
    `epoch` VARCHAR(32) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `users` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `email` VARCHAR(254) NOT NULL,
    `passwordHash` VARCHAR(255) NOT NULL,
    `displayName` VARCHAR(200) NOT NULL DEFAULT '',
    `isAdmin` BOOLEAN NOT NULL DEFAULT false,
    `disabledAt` DATETIME(3) NULL,
    `timeZone` VARCHAR(64) NOT NULL DEFAULT 'UTC',
    `quotaBytes` BIGINT NOT NULL DEFAULT 104857600,
    `usedBytes` BIGINT NOT NULL DEFAULT 0,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `users_email_key`(`email`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `collections` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `ownerId` BIGINT NOT NULL,
    `slug` VARCHAR(128) NOT NULL,
    `name` VARCHAR(200) NOT NULL,
    `description` VARCHAR(2000) NOT NULL DEFAULT '',
    `color` VARCHAR(16) NULL,
    `timeZone` VARCHAR(64) NOT NULL DEFAULT 'UTC',
    `components` VARCHAR(64) NOT NULL DEFAULT 'VEVENT,VTODO,VJOURNAL',
    `changePosition` BIGINT NOT NULL DEFAULT 0,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `collections_ownerId_slug_key`(`ownerId`, `slug`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `collection_members` (
    `collectionId` BIGINT NOT NULL,
    `userId` BIGINT NOT NULL,
    `role` ENUM('owner', 'editor', 'viewer') NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `collection_members_userId_idx`(`userId`),
    PRIMARY KEY (`collectionId`, `userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `items` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `collectionId` BIGINT NOT NULL,
    `uid` VARCHAR(255) NOT NULL,
    `resourceName` VARCHAR(255) NOT NULL,
    `kind` ENUM('VEVENT', 'VTODO', 'VJOURNAL') NOT NULL,
    `icalendar` MEDIUMTEXT NOT NULL,
    `summary` VARCHAR(255) NOT NULL DEFAULT '',
    `startUtc` DATETIME(3) NULL,
    `endUtc` DATETIME(3) NULL,
    `isRecurring` BOOLEAN NOT NULL DEFAULT false,
    `etag` VARCHAR(64) NOT NULL,
    `version` INTEGER NOT NULL DEFAULT 1,
    `sizeBytes` INTEGER NOT NULL,
    `origin` ENUM('caldav', 'email', 'web', 'api') NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    INDEX `items_collectionId_startUtc_idx`(`collectionId`, `startUtc`),
    INDEX `items_collectionId_summary_idx`(`collectionId`, `summary`),
    UNIQUE INDEX `items_collectionId_uid_key`(`collectionId`, `uid`),
    UNIQUE INDEX `items_collectionId_resourceName_key`(`collectionId`, `resourceName`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `changes` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `collectionId` BIGINT NOT NULL,
    `position` BIGINT NOT NULL,
    `operation` ENUM('put', 'delete') NOT NULL,
    `uid` VARCHAR(255) NOT NULL,
    `resourceName` VARCHAR(255) NOT NULL,
    `changedFields` VARCHAR(255) NOT NULL DEFAULT '',
    `actorUserId` BIGINT NULL,
    `origin` ENUM('caldav', 'email', 'web', 'api') NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `changes_collectionId_resourceName_idx`(`collectionId`, `resourceName`),
    UNIQUE INDEX `changes_collectionId_position_key`(`collectionId`, `position`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `submission_addresses` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `localPart` VARCHAR(64) NOT NULL,
    `domain` VARCHAR(253) NOT NULL,
    `kind` ENUM('collection', 'support', 'emergency', 'bounce') NOT NULL,
    `collectionId` BIGINT NULL,
    `userId` BIGINT NOT NULL,
    `policy` ENUM('owner', 'members', 'allowlist', 'anyone') NOT NULL DEFAULT 'owner',
    `allowlist` VARCHAR(4000) NOT NULL DEFAULT '',
    `itemMode` ENUM('auto', 'event', 'task', 'note') NOT NULL DEFAULT 'auto',
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `lastUsedAt` DATETIME(3) NULL,
    `useCount` INTEGER NOT NULL DEFAULT 0,

    INDEX `submission_addresses_collectionId_idx`(`collectionId`),
    INDEX `submission_addresses_userId_idx`(`userId`),
    UNIQUE INDEX `submission_addresses_localPart_domain_key`(`localPart`, `domain`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `audit_log` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `actorUserId` BIGINT NULL,
    `channel` VARCHAR(16) NOT NULL,
    `action` VARCHAR(64) NOT NULL,
    `targetType` VARCHAR(32) NOT NULL,
    `targetId` VARCHAR(64) NOT NULL,
    `detail` VARCHAR(2000) NOT NULL DEFAULT '',

    INDEX `audit_log_at_idx`(`at`),
    INDEX `audit_log_actorUserId_at_idx`(`actorUserId`, `at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `collections` ADD CONSTRAINT `collections_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `collection_members` ADD CONSTRAINT `collection_members_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `collection_members` ADD CONSTRAINT `collection_members_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `items` ADD CONSTRAINT `items_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `changes` ADD CONSTRAINT `changes_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `submission_addresses` ADD CONSTRAINT `submission_addresses_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `submission_addresses` ADD CONSTRAINT `submission_addresses_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
