-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS profiles_plan ON profiles (plan);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS profiles_plan;
