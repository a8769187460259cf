"""The browser fixture drives a real Chromium (other browser tests build on it)."""

from __future__ import annotations


def test_chromium_renders_a_page(browser):
    page = browser.new_page()
    page.set_content("<p id='x'>大客户 key account</p>")
    assert page.inner_text("#x") == "大客户 key account"
    page.close()
