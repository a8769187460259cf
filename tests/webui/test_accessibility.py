"""Accessibility: a skip link, required fields announced, the keyboard put on the first field
to fix, tabs that say which is selected, diagrams a phone can zoom."""

from __future__ import annotations

from test_browser_flow import Person
from webui_env import Env, live_app


def test_pages_carry_a_skip_link_required_marks_and_tab_roles(client_for, env):
    manager = client_for("senior_manager")
    instance_id = env.start()
    html = manager.get(f"/tasks/{env.open_task(instance_id).id}").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    volume = html.split('id="f-volume"')[1].split(">")[0]
    assert 'aria-required="true"' in volume  # `volume` is required in the form
    inbox = manager.get("/?scope=role").get_data(as_text=True)
    assert 'id="tab-role" role="tab" aria-selected="true"' in inbox
    assert 'id="tab-mine" role="tab" aria-selected="false"' in inbox


def test_chromium_keyboard_reaches_the_content_and_the_first_field_to_fix(
        browser, prepared_db, tmp_path):
    with live_app(prepared_db, tmp_path) as (base, app):
        env = Env(app)
        instance_id = env.start()
        task_id = env.open_task(instance_id).id
        manager = Person(browser, base, "senior_manager",
                         viewport={"width": 390, "height": 800})
        page = manager.page
        manager.go(f"/tasks/{task_id}")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.fill("#f-volume", "-5")
        page.click("#complete")
        page.wait_for_selector(".field.invalid")
        assert page.evaluate("document.activeElement.closest('.field.invalid') !== null")
        manager.go(f"/instances/{instance_id}")
        page.wait_for_selector("#diagram[data-ready=true]")
        before = page.evaluate("document.querySelector('#diagram .viewport')"
                               ".getAttribute('transform')")
        page.click("#diagram .zoom-controls button:first-child")
        after = page.evaluate("document.querySelector('#diagram .viewport')"
                              ".getAttribute('transform')")
        assert before != after
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        manager.close()
