-- One statement alone in its file: golang-migrate runs it outside a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created_at ON users (created_at);
