SET lock_timeout = '5s';
DROP INDEX events_kind;
VACUUM FULL events;
