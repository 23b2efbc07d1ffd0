# No lock_wait_timeout: the ALTER waits behind any open transaction on users.
ALTER TABLE `users` ADD COLUMN `plan` varchar(32) NOT NULL;
