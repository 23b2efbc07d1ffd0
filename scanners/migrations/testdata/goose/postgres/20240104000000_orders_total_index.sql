-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total ON orders (total);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS orders_total;
