ALTER TABLE orders ADD COLUMN legacy_status text;
ALTER TABLE orders DROP COLUMN region;
DROP INDEX orders_customer_idx;
