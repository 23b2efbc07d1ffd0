-- migrate:up
CREATE TABLE IF NOT EXISTS profiles (
    id bigint PRIMARY KEY,
    handle text,
    legacy_plan text,
    plan text DEFAULT 'free'
);

-- migrate:down
DROP TABLE IF EXISTS profiles;
