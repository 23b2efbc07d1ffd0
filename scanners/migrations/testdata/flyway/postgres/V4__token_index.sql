CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_token_idx2 ON accounts (token);
