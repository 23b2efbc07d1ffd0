BEGIN;
CREATE TABLE sessions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL,
    active boolean NOT NULL DEFAULT true
);
COMMIT;
