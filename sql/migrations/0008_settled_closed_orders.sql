-- Closed orders are settled (design.md §3): a customer's rename reaches its open orders only, so
-- the customer index carries is_open and a rename reads the customer's open part alone, not its
-- history. is_open is indexed on orders already (the open-orders index's predicate): HOT updates
-- are unchanged.
DROP INDEX IF EXISTS {schema}.analytical_orders_customer_id_idx;
CREATE INDEX analytical_orders_customer_id_idx
    ON {schema}.analytical_orders (customer_id, is_open);

-- Current names for history: closed orders keep the names they had when they closed; these views
-- show every order and item with its customer's and product's current name and price next to the
-- settled ones (NULL where the customer or product is gone from the source).
CREATE VIEW {schema}.analytical_orders_current AS
SELECT o.*, c.customer_name AS current_customer_name
FROM {schema}.analytical_orders o
LEFT JOIN {schema}.customers c ON c.customer_id = o.customer_id;

CREATE VIEW {schema}.analytical_order_items_current AS
SELECT i.*, p.product_name AS current_product_name, p.unity_price AS current_price
FROM {schema}.analytical_order_items i
LEFT JOIN {schema}.products p ON p.product_id = i.product_id;
