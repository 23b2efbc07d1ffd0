SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_payload ON events USING gin (payload);
CREATE FUNCTION event_count() RETURNS bigint AS $$
    SELECT count(*) FROM events
