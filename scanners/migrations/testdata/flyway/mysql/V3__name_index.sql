SET SESSION lock_wait_timeout = 5;
CREATE INDEX `accounts_name` ON `accounts` (`name`) ALGORITHM=INPLACE LOCK=NONE;
