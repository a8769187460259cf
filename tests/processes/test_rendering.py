"""The diagrams and decision tables render in a real Chromium with bpmn-js / dmn-js, offline,
without import warnings; screenshots land in the test's temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).parents[2]
PROCESSES = ROOT / "processes"
DIST = {"bpmn": ROOT / "node_modules/bpmn-js/dist",
        "dmn": ROOT / "node_modules/dmn-js/dist"}
VIEWER = {"bpmn": ("bpmn-viewer.production.min.js", "BpmnJS",
                   ["diagram-js.css", "bpmn-js.css"]),
          "dmn": ("dmn-viewer.production.min.js", "DmnJS",
                  ["diagram-js.css", "dmn-js-shared.css", "dmn-js-drd.css",
                   "dmn-js-decision-table.css"])}
DI_TAGS = ("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
           "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")

IMPORT = """async ([xml, viewerName]) => {
  const viewer = new window[viewerName]({container: '#canvas'});
  const result = await viewer.importXML(xml);
  const out = {warnings: result.warnings.map(w => String(w.message || w))};
  if (viewerName === 'BpmnJS') {
    viewer.get('canvas').zoom('fit-viewport');
    const all = viewer.get('elementRegistry').getAll();
    out.elements = all.filter(e => e.type !== 'label' && e.parent).length;
  } else {
    out.views = viewer.getViews().map(v => v.type);
  }
  return out;
}"""


def page_for(browser, kind: str):
    """A page holding the viewer script and styles inline; any network request is refused."""
    script, _, styles = VIEWER[kind]
    assets = DIST[kind] / "assets"
    css = "".join((assets / name).read_text(encoding="utf-8") for name in styles
                  if (assets / name).exists())
    page = browser.new_page(viewport={"width": 2400, "height": 1200})
    page.route("**/*", lambda route: route.abort())  # no CDN, no network
    page.set_content(
        f"<html><head><meta charset='utf-8'><style>{css}"
        " html,body,#canvas{width:100%;height:100%;margin:0}</style></head>"
        "<body><div id='canvas'></div></body></html>")
    page.add_script_tag(content=(DIST[kind] / script).read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_bpmn_diagram_renders_without_warnings(browser, tmp_path, path):
    if not (DIST["bpmn"] / VIEWER["bpmn"][0]).exists():
        pytest.fail("node_modules/bpmn-js is missing: run `make setup` (npm ci)")
    xml = path.read_text(encoding="utf-8")
    expected = sum(1 for el in etree.fromstring(xml.encode()).iter() if el.tag in DI_TAGS)
    page = page_for(browser, "bpmn")
    result = page.evaluate(IMPORT, [xml, "BpmnJS"])
    page.screenshot(path=str(tmp_path / f"{path.stem}.png"))
    page.close()
    assert result["warnings"] == []
    assert result["elements"] == expected  # every shape and edge became a diagram element


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.dmn")), ids=lambda p: p.stem)
def test_decision_table_renders_without_warnings(browser, tmp_path, path):
    if not (DIST["dmn"] / VIEWER["dmn"][0]).exists():
        pytest.fail("node_modules/dmn-js is missing: run `make setup` (npm ci)")
    page = page_for(browser, "dmn")
    result = page.evaluate(IMPORT, [path.read_text(encoding="utf-8"), "DmnJS"])
    page.screenshot(path=str(tmp_path / f"{path.stem}.png"))
    page.close()
    assert result["warnings"] == []
    assert "decisionTable" in result["views"]
