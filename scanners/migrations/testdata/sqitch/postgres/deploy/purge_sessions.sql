BEGIN;
SET LOCAL lock_timeout = '5s';
TRUNCATE sessions;
UPDATE sessions SET active = false;
DROP DATABASE IF EXISTS legacy_shop;
COMMIT;
