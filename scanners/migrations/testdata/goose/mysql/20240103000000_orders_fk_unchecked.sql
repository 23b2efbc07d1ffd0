-- +goose Up
SET SESSION lock_wait_timeout = 5;
SET foreign_key_checks = 0;
ALTER TABLE `orders` ADD CONSTRAINT `orders_user_fk2` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`);
SET foreign_key_checks = 1;

-- +goose Down
SET SESSION lock_wait_timeout = 5;
ALTER TABLE `orders` DROP FOREIGN KEY `orders_user_fk2`;
