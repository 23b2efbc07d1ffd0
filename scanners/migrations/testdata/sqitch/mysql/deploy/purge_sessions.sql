SET SESSION lock_wait_timeout = 5;
DELETE FROM sessions;
UPDATE sessions SET active = 0;
DROP DATABASE IF EXISTS legacy_shop;
