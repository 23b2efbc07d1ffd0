-- +goose Up
CREATE INDEX orders_user_id ON orders (user_id);
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- +goose Down
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_fk;
DROP INDEX IF EXISTS orders_user_id;
