{{ config(tags=["finance", "daily"]) }}
select order_id, customer_id, amount from {{ ref('raw_orders') }} where amount > 0
