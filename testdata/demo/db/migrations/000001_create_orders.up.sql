CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    legacy_status text,
    created_at timestamptz NOT NULL DEFAULT now()
);
