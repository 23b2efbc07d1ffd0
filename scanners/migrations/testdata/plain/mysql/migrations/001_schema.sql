CREATE TABLE IF NOT EXISTS `events` (
  `id` bigint NOT NULL PRIMARY KEY,
  `kind` varchar(32) NOT NULL,
  `payload` json
) ENGINE=InnoDB;
