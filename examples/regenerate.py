"""Rebuild the computed parts of the bundled example after editing it.

    python examples/regenerate.py

It recreates the embedded SQLite source (deterministic data), profiles it into
``evidence/profiling_report.json``, records that report's sha256 in the plan, signs the plan with
a fresh Ed25519 key (the private key is discarded; only its public half goes into
``examples/policy/policy.json``), then recomputes the approval records' ``sha256_reviewed`` and
the evidence links' sha256. Nothing else is touched.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))

from migration_checks import signing  # noqa: E402

MIGRATION = HERE / "migrations" / "migration-pr-proj_shop2026"
POLICY = HERE / "policy" / "policy.json"
KEY_ID = "shop-planner-2026"
GENERATED_AT = "2026-11-03T08:00:00Z"
PII = {("customers", "full_name"): "name", ("customers", "email"): "email",
       ("customers", "phone"): "phone", ("customers", "date_of_birth"): "dob",
       ("orders", "shipping_address"): "address"}  # fmt: skip

SCHEMA = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT NOT NULL,
  phone TEXT, date_of_birth DATE, city TEXT, created_at TIMESTAMP NOT NULL);
CREATE TABLE products (product_id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
  unit_price NUMERIC(10,2) NOT NULL, active BOOLEAN NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers,
  status TEXT NOT NULL, shipping_address TEXT, ordered_at TIMESTAMP NOT NULL, total NUMERIC(12,2) NOT NULL,
  internal_notes TEXT);
CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders, line_no INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products, quantity INTEGER NOT NULL, unit_price NUMERIC(10,2) NOT NULL,
  discount REAL, PRIMARY KEY (order_id, line_no));
"""
FIRST = ["Ana", "Bjorn", "Chloe", "Dmitri", "Esra", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lucía"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Petrov", "Yilmaz", "Haddad", "Kim", "Tanaka", "Ferreira", "Weber"]
CITIES = ["Lisbon", "Oslo", "Lyon", "Tallinn", "Izmir", "Rabat", "Busan", "Osaka", "Porto", "Graz", None]


def build_database(path: Path) -> None:
    rng = random.Random(2026)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for cid in range(1, 201):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        db.execute(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cid, f"{first} {last}", f"{first.lower()}.{last.lower()}{cid}@example.com",
             f"+351 21{rng.randint(1000000, 9999999)}" if rng.random() < 0.9 else None,
             f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             rng.choice(CITIES), (start + timedelta(hours=cid * 7)).strftime("%Y-%m-%d %H:%M:%S")),
        )  # fmt: skip
    for pid in range(1, 51):
        db.execute(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?)",
            (pid, f"SKU-{pid:05d}", f"Product {pid}", round(rng.uniform(2, 300), 2), int(rng.random() < 0.85)),
        )
    item = 0
    for oid in range(1, 501):
        lines = rng.randint(1, 4)
        total = 0.0
        for line_no in range(1, lines + 1):
            item += 1
            price = round(rng.uniform(2, 300), 2)
            quantity = rng.randint(1, 9)
            discount = rng.choice([None, 0.05, 0.1, 0.125, 0.2])
            total += price * quantity * (1 - (discount or 0))
            db.execute("INSERT INTO order_items VALUES (?, ?, ?, ?, ?, ?)",
                       (oid, line_no, rng.randint(1, 50), quantity, price, discount))  # fmt: skip
        db.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            (oid, rng.randint(1, 200), rng.choice(["paid", "shipped", "delivered", "returned"]),
             f"{rng.randint(1, 300)} Rua {rng.choice(LAST)}, {rng.choice(CITIES[:-1])}" if rng.random() < 0.95 else None,
             (start + timedelta(hours=oid * 13)).strftime("%Y-%m-%d %H:%M:%S"), round(total, 2),
             "call before delivery" if rng.random() < 0.1 else None),
        )  # fmt: skip
    db.commit()
    db.execute("VACUUM")
    db.close()


def profile(path: Path) -> dict[str, object]:
    db = sqlite3.connect(path)
    datasets = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"):
        rows = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        columns = []
        for _, name, declared, *_ in db.execute(f'PRAGMA table_info("{table}")'):
            nulls, distinct = db.execute(
                f'SELECT count(*) - count("{name}"), count(DISTINCT "{name}") FROM "{table}"'
            ).fetchone()
            columns.append({"name": name, "type": declared, "null_fraction": round(nulls / rows, 4),
                            "distinct_count": distinct, "pii_detected": PII.get((table, name))})  # fmt: skip
        datasets.append({"name": table, "row_count": rows, "columns": columns})
    db.close()
    return {"plan_id": "plan_shop2026", "generated_at": GENERATED_AT, "datasets": datasets}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def manifest_digest(paths: list[str]) -> str:
    lines = "".join(f"{sha256(MIGRATION / p)}  {p}\n" for p in sorted(paths))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def main() -> None:
    build_database(MIGRATION / "data" / "shop.sqlite")
    report = MIGRATION / "evidence" / "profiling_report.json"
    dump(report, profile(MIGRATION / "data" / "shop.sqlite"))

    plan_path = MIGRATION / "plans" / "signed_plan_plan_shop2026.json"
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    plan["plan"]["profiling"]["sha256"] = sha256(report)
    key = signing.generate_private_key()
    dump(plan_path, signing.sign_plan(plan, key, KEY_ID))
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    policy["signing"]["trusted_keys"] = [
        {"key_id": KEY_ID, "algorithm": signing.ALGORITHM, "public_key": signing.public_key_base64(key)}
    ]
    dump(POLICY, policy)

    approvals_path = MIGRATION / "evidence" / "approval_records.json"
    approvals = json.loads(approvals_path.read_text(encoding="utf-8"))
    for record in approvals["approvals"]:
        record["sha256_reviewed"] = manifest_digest(record["artifacts_reviewed"])
    dump(approvals_path, approvals)

    links_path = MIGRATION / "evidence" / "evidence_links.json"
    links = json.loads(links_path.read_text(encoding="utf-8"))
    for artifact in links["artifacts"]:
        if "path" in artifact:
            artifact["sha256"] = sha256(MIGRATION / artifact["path"])
    dump(links_path, links)
    print(f"regenerated {MIGRATION.relative_to(HERE.parent)}; plan signed with a fresh key {KEY_ID}")


if __name__ == "__main__":
    main()
