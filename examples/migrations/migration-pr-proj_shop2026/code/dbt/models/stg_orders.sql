-- Orders as landed on the lake, one row per order; incremental on ordered_at.
{{ config(materialized='incremental', unique_key='order_id') }}

select
    order_id,
    customer_id,
    status,
    ordered_at,
    total
from {{ source('shop', 'orders') }}
{% if is_incremental() %}
    where ordered_at > (select max(ordered_at) from {{ this }})
{% endif %}
