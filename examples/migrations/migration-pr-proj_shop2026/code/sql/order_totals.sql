-- Orders and amounts per status, compared by reconciliation after each wave.
select
    status,
    count(*) as order_count,
    sum(total) as total_amount
from orders
group by status
