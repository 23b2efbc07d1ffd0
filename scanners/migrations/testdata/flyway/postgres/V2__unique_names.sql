SET lock_timeout = '5s';
ALTER TABLE accounts ADD CONSTRAINT accounts_name_key UNIQUE (name);
