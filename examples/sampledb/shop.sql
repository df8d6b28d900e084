-- A small database the project generates itself for its demo: mixed types,
-- a name with a quote and one with Unicode, NULLs, a partitioned table and a view.
CREATE SCHEMA shop;

CREATE TABLE shop.customers (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    email       varchar(120),
    "Größe"     smallint,
    created_at  timestamptz NOT NULL,
    born        date,
    vip         boolean NOT NULL DEFAULT false
);

CREATE TABLE shop.products (
    sku         uuid PRIMARY KEY,
    title       text NOT NULL,
    price       numeric(10,2) NOT NULL,
    weight_kg   double precision,
    attributes  jsonb,
    photo       bytea
);

CREATE TABLE shop.orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers(id),
    placed_at   timestamp NOT NULL,
    ship_time   time,
    total       numeric(12,2) NOT NULL,
    "note ""quoted"""  text
);

CREATE TABLE shop.events (
    id      bigint NOT NULL,
    at      date NOT NULL,
    kind    text NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 100;

INSERT INTO shop.customers
SELECT i, 'Customer ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'c' || i || '@example.com' END,
       (i % 50)::smallint, timestamptz '2025-01-01 00:00:00+00' + i * interval '37 minutes',
       date '1960-01-01' + (i * 97) % 20000, i % 10 = 0
FROM generate_series(1, 500) AS i;
INSERT INTO shop.customers VALUES (501, 'Zoë O''Brien — 東京', NULL, NULL, '2026-11-24 12:00:00.123456+01', NULL, true);

INSERT INTO shop.products
SELECT md5('sku' || i)::uuid, 'Product ' || i, (i * 3.17)::numeric(10,2), CASE WHEN i % 5 = 0 THEN NULL ELSE i * 0.25 END,
       jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + i % 3], 'size', i % 4),
       CASE WHEN i % 3 = 0 THEN decode(md5(i::text), 'hex') END
FROM generate_series(1, 200) AS i;

INSERT INTO shop.orders
SELECT i, 1 + i % 500, timestamp '2025-06-01 08:00:00' + i * interval '11 minutes 7.5 seconds',
       CASE WHEN i % 4 = 0 THEN NULL ELSE time '09:00' + (i % 480) * interval '1 minute' END,
       (i % 997) * 1.01, CASE WHEN i % 100 = 0 THEN 'gift "wrap"' END
FROM generate_series(1, 5000) AS i;

INSERT INTO shop.events
SELECT i, date '2025-03-01' + (i % 600), (ARRAY['view','cart','buy'])[1 + i % 3]
FROM generate_series(1, 3000) AS i;
