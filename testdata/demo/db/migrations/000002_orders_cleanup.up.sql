ALTER TABLE orders DROP COLUMN legacy_status;
ALTER TABLE orders ADD COLUMN region text NOT NULL;
CREATE INDEX orders_customer_idx ON orders (customer_id);
