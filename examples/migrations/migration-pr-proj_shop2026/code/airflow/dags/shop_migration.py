"""Airflow DAG for plan_shop2026: wave 1 (customers, products), then wave 2 (orders, items)."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

PLAN = "plan_shop2026"

with DAG(
    dag_id="shop_migration",
    start_date=datetime(2026, 11, 5),
    schedule=None,
    catchup=False,
    tags=["migration", PLAN],
) as dag:
    wave_1 = BashOperator(task_id="wave_1", bash_command=f"migrate run --plan {PLAN} --wave wave_1")
    wave_2 = BashOperator(task_id="wave_2", bash_command=f"migrate run --plan {PLAN} --wave wave_2")
    wave_1 >> wave_2
