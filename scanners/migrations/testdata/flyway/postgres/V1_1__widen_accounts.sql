SET lock_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN id TYPE bigint;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS joined timestamptz DEFAULT now();
