-- +goose Up
BEGIN;
SET lock_timeout = '3s';
-- relgate:ignore MIG004 orders is empty in every environment, checked 2024-01-05
ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);
COMMIT;

-- +goose Down
SET lock_timeout = '3s';
ALTER TABLE orders DROP CONSTRAINT IF EXISTS total_positive;
