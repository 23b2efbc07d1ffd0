-- +goose Up
-- +goose StatementBegin
CREATE PROCEDURE order_total(IN uid BIGINT)
BEGIN
  SELECT SUM(total) FROM orders WHERE user_id = uid;
END;
-- +goose StatementEnd

-- +goose Down
DROP PROCEDURE IF EXISTS order_total;
