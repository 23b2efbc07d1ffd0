-- +goose Up
BEGIN;
INSERT INTO `orders` (`user_id`, `total`) VALUES (1, 0);
COMMIT;

-- +goose Down
DELETE FROM `orders` WHERE `user_id` = 1 AND `total` = 0;
