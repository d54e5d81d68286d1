-- Stored items a job skips after one broke its per-item budget (the
-- event-loop watchdog's companion: an item left from before the calendar
-- limits must not slow every reminders run). Written by hand in the SQL
-- `prisma migrate diff` emits for prisma/schema.prisma;
-- test/store/schema-drift.test.ts compares the result with the schema.

-- CreateTable
CREATE TABLE `job_quarantine` (
    `job` VARCHAR(64) NOT NULL,
    `collectionId` BIGINT NOT NULL,
    `uid` VARCHAR(255) NOT NULL,
    `contentHash` CHAR(64) NOT NULL,
    `reason` VARCHAR(1000) NOT NULL,
    `elapsedMs` INTEGER NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `job_quarantine_collectionId_idx`(`collectionId`),
    PRIMARY KEY (`job`, `collectionId`, `uid`, `contentHash`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
