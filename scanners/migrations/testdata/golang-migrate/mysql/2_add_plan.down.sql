ALTER TABLE `users` DROP COLUMN `plan`;
