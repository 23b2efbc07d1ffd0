SET lock_timeout = '5s';
-- Dangerous: existing rows get no value, released code cannot insert.
ALTER TABLE users ADD COLUMN IF NOT EXISTS plan text NOT NULL;
-- Fails: a multi-statement file runs as one implicit transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_plan ON users (plan);
