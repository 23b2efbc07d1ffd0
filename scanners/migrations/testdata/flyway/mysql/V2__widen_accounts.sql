SET SESSION lock_wait_timeout = 5;
ALTER TABLE `accounts` MODIFY `id` bigint NOT NULL;
ALTER TABLE `accounts` ADD COLUMN `token` binary(16) DEFAULT (UUID_TO_BIN(UUID()));
ALTER TABLE `accounts` ADD PRIMARY KEY (`id`);
