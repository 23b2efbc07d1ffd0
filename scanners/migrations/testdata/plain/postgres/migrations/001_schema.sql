CREATE TABLE IF NOT EXISTS events (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb
);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind);
