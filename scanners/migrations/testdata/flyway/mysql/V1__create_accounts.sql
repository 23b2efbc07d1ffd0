CREATE TABLE IF NOT EXISTS `accounts` (
  `id` int NOT NULL,
  `name` varchar(100) NOT NULL,
  `seen` timestamp NULL
) ENGINE=InnoDB;
