CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The table is new: an index on it locks nobody.
CREATE INDEX IF NOT EXISTS users_email ON users (email);
