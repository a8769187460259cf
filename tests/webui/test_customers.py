"""The customer list and page (on the Customer model of engine.models.customers)."""

from __future__ import annotations

from decimal import Decimal

from webui_env import START

from engine.models import Customer


def add_customer(env, name, owner, classes, volume):
    def make(s, kf, u):
        customer = Customer(name=name, status="key_account", classes=classes,
                            owner_id=u(owner).id, cumulative_volume=Decimal(volume),
                            industry="tunnel", credit="good", key_contact_name="王总",
                            filed_at=START, updated_at=START)
        s.add(customer)
        s.flush()
        return customer.id

    return env.run(make)


def test_list_with_classes_owner_volume_and_filters(client_for, env):
    add_customer(env, "华建路桥", "senior_manager", ["quality", "strategic"], "6200.5")
    add_customer(env, "蓝天隧道", "sm2", ["group"], "800")
    head = client_for("dept_head")
    html = head.get("/customers").get_data(as_text=True)
    assert "华建路桥" in html and "蓝天隧道" in html and "优质客户" in html
    assert "6,200.50 方" in html  # grouped by Babel for the reader's locale
    assert "蓝天隧道" not in head.get("/customers?class=strategic").get_data(as_text=True)
    assert "华建路桥" not in head.get("/customers?q=蓝天").get_data(as_text=True)
    english = head.get("/customers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Strategic" in english and "Cumulative volume" in english


def test_owners_see_their_accounts_only(client_for, env):
    mine = add_customer(env, "华建路桥", "senior_manager", [], "1")
    other = add_customer(env, "蓝天隧道", "sm2", [], "1")
    manager = client_for("senior_manager")
    html = manager.get("/customers").get_data(as_text=True)
    assert "华建路桥" in html and "蓝天隧道" not in html
    assert manager.get(f"/customers/{mine}").status_code == 200
    assert manager.get(f"/customers/{other}").status_code == 404


def test_customer_page_lists_its_processes(client_for, env):
    customer_id = add_customer(env, "华建路桥", "senior_manager", ["high_value"], "5100")
    instance_id = env.start(customer="华建路桥")
    html = client_for("dept_head").get(f"/customers/{customer_id}").get_data(as_text=True)
    assert f"/instances/{instance_id}" in html and "王总" in html and "高值客户" in html
