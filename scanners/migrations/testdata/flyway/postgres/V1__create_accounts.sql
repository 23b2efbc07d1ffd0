CREATE TABLE IF NOT EXISTS accounts (
    id int PRIMARY KEY,
    name varchar(100) NOT NULL,
    seen timestamp
);
