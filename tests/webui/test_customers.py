"""The customer list and page (on the Customer model of engine.models.customers)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from webui_env import START

from engine.models import Contract, Customer


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


def test_contracts_recorded_voided_and_listed_with_their_history(client_for, env):
    customer_id = add_customer(env, "华建路桥", "senior_manager", [], "1")
    page = f"/customers/{customer_id}"
    clerk = client_for("clerk")
    assert 'id="contract-form"' in clerk.get(page).get_data(as_text=True)
    added = clerk.post(f"{page}/contracts", {"number": "HT-7", "signed_on": "2026-03-02",
                                             "volume": "1234.5", "note": "首单"})
    assert added.status_code == 302
    html = clerk.get(page).get_data(as_text=True)
    assert 'data-contract="HT-7"' in html and "1,234.50" in html and "首单" in html
    again = clerk.post(f"{page}/contracts", {"number": "HT-7", "signed_on": "2026-03-02",
                                             "volume": "1"})
    assert again.status_code == 409
    bad = clerk.post(f"{page}/contracts", {"number": "HT-8", "signed_on": "soon",
                                           "volume": "-1"})
    assert bad.status_code == 422
    with env.session() as s:
        contract_id = s.scalars(select(Contract.id)).one()
    voided = client_for("senior_manager").post(f"{page}/contracts/{contract_id}/void",
                                               {"reason": "录错"})
    assert voided.status_code == 302
    html = clerk.get(page, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "<s>HT-7</s>" in html and "录错" in html
    head = client_for("dept_head")  # sees the register, does not keep it
    assert 'id="contract-form"' not in head.get(page).get_data(as_text=True)
    assert head.post(f"{page}/contracts", {"number": "HT-9", "signed_on": "2026-03-02",
                                           "volume": "1"}).status_code == 403
    assert client_for("sm2").post(f"{page}/contracts", {
        "number": "HT-9", "signed_on": "2026-03-02", "volume": "1"}).status_code == 404
