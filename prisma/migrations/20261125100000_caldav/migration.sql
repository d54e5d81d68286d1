-- CalDAV: app passwords, dead properties, feeds, rate-limit counters, and the
-- users' credentials generation that invalidates cached logins. Written by
-- hand in the SQL `prisma migrate diff` emits for prisma/schema.prisma;
-- test/store/schema-drift.test.ts compares the result with the schema.

-- AlterTable
ALTER TABLE `users` ADD COLUMN `credentialsGeneration` INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE `app_passwords` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `userId` BIGINT NOT NULL,
    `label` VARCHAR(100) NOT NULL,
    `prefix` VARCHAR(16) NOT NULL,
    `hash` VARCHAR(255) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `lastUsedAt` DATETIME(3) NULL,

    UNIQUE INDEX `app_passwords_userId_prefix_key`(`userId`, `prefix`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `dead_properties` (
    `userId` BIGINT NOT NULL,
    `resource` VARCHAR(64) NOT NULL,
    `namespace` VARCHAR(255) NOT NULL,
    `name` VARCHAR(128) NOT NULL,
    `value` TEXT NOT NULL,
    `updatedAt` DATETIME(3) NOT NULL,

    PRIMARY KEY (`userId`, `resource`, `namespace`, `name`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `feeds` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `collectionId` BIGINT NOT NULL,
    `tokenHash` VARCHAR(64) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `feeds_collectionId_idx`(`collectionId`),
    UNIQUE INDEX `feeds_tokenHash_key`(`tokenHash`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `rate_limits` (
    `key` VARCHAR(255) NOT NULL,
    `points` INTEGER NOT NULL DEFAULT 0,
    `expire` BIGINT UNSIGNED NULL,

    PRIMARY KEY (`key`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `app_passwords` ADD CONSTRAINT `app_passwords_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `dead_properties` ADD CONSTRAINT `dead_properties_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `feeds` ADD CONSTRAINT `feeds_collectionId_fkey` FOREIGN KEY (`collectionId`) REFERENCES `collections`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
