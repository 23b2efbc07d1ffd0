-- migrate:up
SET SESSION lock_wait_timeout = 5;
ALTER TABLE `profiles` RENAME COLUMN `handle` TO `username`;
ALTER TABLE `profiles` DROP COLUMN `legacy_plan`;
ALTER TABLE `profiles` ALTER COLUMN `plan` DROP DEFAULT;

-- migrate:down
SET SESSION lock_wait_timeout = 5;
ALTER TABLE `profiles` ALTER COLUMN `plan` SET DEFAULT 'free';
ALTER TABLE `profiles` ADD COLUMN `legacy_plan` varchar(32);
ALTER TABLE `profiles` RENAME COLUMN `username` TO `handle`;
