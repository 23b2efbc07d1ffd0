-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE profiles RENAME COLUMN handle TO username;
ALTER TABLE profiles DROP COLUMN IF EXISTS legacy_plan;
ALTER TABLE profiles ALTER COLUMN plan DROP DEFAULT;
ALTER TABLE profiles ALTER COLUMN plan SET NOT NULL;

-- migrate:down
SET lock_timeout = '5s';
ALTER TABLE profiles ALTER COLUMN plan DROP NOT NULL;
ALTER TABLE profiles ALTER COLUMN plan SET DEFAULT 'free';
ALTER TABLE profiles ADD COLUMN IF NOT EXISTS legacy_plan text;
ALTER TABLE profiles RENAME COLUMN username TO handle;
