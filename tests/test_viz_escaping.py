"""User text in pictures: shown exactly as written, never read as DOT, HTML or a link.

Every test runs with each renderer (system dot, and wasm with dot hidden from PATH).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_viz_render import SVG, renderer  # noqa: F401 (a fixture: dot, then wasm)

from autograd import Value, scope
from viz import draw_graph, render

pytestmark = pytest.mark.usefixtures("renderer")  # every test: with dot, then with wasm

INJECTION = """<a> URL="javascript:document.title='pwned'" label=<b>"""
# The attributes Graphviz writes for what we draw: anything else came from user text.
ALLOWED = {"id", "class", "transform", "fill", "stroke", "stroke-width", "stroke-dasharray",
           "points", "d", "cx", "cy", "rx", "ry", "x", "y", "text-anchor", "font-family",
           "font-size", "font-weight", "width", "height", "viewBox", "stroke-linejoin",
           "paint-order", "{http://www.w3.org/1999/xlink}title",
           "{http://www.w3.org/XML/1998/namespace}space"}
text_without_controls = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


def drawn(label: str, scope_name: str, path: Path) -> ET.Element:
    with scope(scope_name):
        out = Value(2.0, label) * 3
    out.label = "out"
    out.backward()
    return ET.parse(render(out, path)).getroot()


def visible(group: ET.Element) -> str:
    """A box's text as a reader sees it: its lines, with Graphviz's no-break spaces."""
    return "\n".join("".join(text.itertext()) for text in group.iter(f"{SVG}text")).replace(
        "\xa0", " ")


def groups(svg: ET.Element, kind: str) -> dict[str, ET.Element]:
    return {group.find(f"{SVG}title").text: group for group in svg.iter(f"{SVG}g")
            if group.get("class") == kind}


def assert_nothing_injected(svg: ET.Element) -> None:
    for element in svg.iter():
        assert set(element.attrib) <= ALLOWED, element.attrib
        assert element.tag not in (f"{SVG}script", f"{SVG}foreignObject")
        for name, value in element.attrib.items():
            if name != "{http://www.w3.org/1999/xlink}title":
                assert "javascript:" not in value.lower(), (name, value)


def test_a_scope_name_cannot_add_a_link(tmp_path: Path) -> None:
    svg = drawn("x", INJECTION, tmp_path / "g.svg")
    assert_nothing_injected(svg)
    (frame,) = groups(svg, "cluster").values()
    assert visible(frame) == INJECTION


def test_a_label_cannot_become_html_through_a_tooltip(tmp_path: Path) -> None:
    svg = drawn("<img src=x onerror=alert(1)", "tail>", tmp_path / "g.svg")
    assert_nothing_injected(svg)
    assert visible(groups(svg, "node")["n0"]).startswith("<img src=x onerror=alert(1)\n")


@pytest.mark.parametrize("label", ['say "hi"', "back\\slash\\", "\\n \\N \\G", "&amp; &lt;",
                                   "<script>alert(1)</script>", "a\u00e9\u4e2d\U0001f600"])
def test_special_text_shows_as_written(tmp_path: Path, label: str) -> None:
    svg = drawn(label, "s", tmp_path / "g.svg")
    assert_nothing_injected(svg)
    assert visible(groups(svg, "node")["n0"]).split("\n")[0] == label


def test_a_long_label_renders_whole_and_a_huge_one_is_a_clear_error(
                                                                    tmp_path: Path) -> None:
    label = "abcdefghij" * 300
    svg = drawn(label, "s", tmp_path / "g.svg")
    assert visible(groups(svg, "node")["n0"]).split("\n")[0] == label
    with pytest.raises(ValueError, match="20,000 bytes long.*at most 4,000"):
        draw_graph(Value(1.0, "abcdefghij" * 2000) + 1)


def test_a_lone_surrogate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        draw_graph(Value(1.0, "half \ud800 pair") + 1)
    with scope("bad\udfff"):
        out = Value(1.0) + 1
    with pytest.raises(ValueError, match="scope.*lone surrogate"):
        draw_graph(out)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=text_without_controls, scope_name=text_without_controls.filter(
    lambda s: "/" not in s and s != ""))
def test_any_text_shows_exactly_and_adds_no_attribute(tmp_path: Path,
                                                      label: str, scope_name: str) -> None:
    svg = drawn(label, scope_name, tmp_path / "g.svg")
    assert_nothing_injected(svg)
    box = visible(groups(svg, "node")["n0"])
    # Graphviz writes runs of spaces as no-break spaces: on screen they are the same.
    label, scope_name = label.replace("\xa0", " "), scope_name.replace("\xa0", " ")
    assert box.startswith(label + "\n" if label else "data 2")
    (frame,) = groups(svg, "cluster").values()
    assert visible(frame) == scope_name
