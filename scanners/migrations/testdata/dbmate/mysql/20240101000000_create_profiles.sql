-- migrate:up
CREATE TABLE IF NOT EXISTS `profiles` (
  `id` bigint NOT NULL PRIMARY KEY,
  `handle` varchar(64),
  `legacy_plan` varchar(32),
  `plan` varchar(32) DEFAULT 'free'
) ENGINE=InnoDB;

-- migrate:down
DROP TABLE IF EXISTS `profiles`;
