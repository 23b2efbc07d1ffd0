CREATE TABLE sessions (
  id bigint NOT NULL PRIMARY KEY,
  user_id bigint NOT NULL,
  active tinyint(1) NOT NULL DEFAULT 1
) ENGINE=InnoDB;
