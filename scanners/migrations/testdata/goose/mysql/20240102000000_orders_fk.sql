-- +goose Up
SET SESSION lock_wait_timeout = 5;
ALTER TABLE `orders` ADD CONSTRAINT `orders_user_fk` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`);

-- +goose Down
SET SESSION lock_wait_timeout = 5;
ALTER TABLE `orders` DROP FOREIGN KEY `orders_user_fk`;
