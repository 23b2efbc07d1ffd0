SET SESSION lock_wait_timeout = 5;
ALTER TABLE `events` ADD INDEX `events_kind` (`kind`), ALGORITHM=INPLACE, LOCK=NONE;
INSERT INTO `events` (`id`, `kind`) VALUES (1, 'it''s
