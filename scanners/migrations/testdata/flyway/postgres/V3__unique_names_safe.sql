SET lock_timeout = '5s';
ALTER TABLE accounts ADD CONSTRAINT accounts_token_key UNIQUE USING INDEX accounts_token_idx;
