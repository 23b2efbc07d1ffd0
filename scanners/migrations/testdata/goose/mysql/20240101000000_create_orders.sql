-- +goose Up
CREATE TABLE IF NOT EXISTS `orders` (
  `id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `user_id` bigint NOT NULL,
  `total` decimal(12,2) NOT NULL
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE IF EXISTS `orders`;
