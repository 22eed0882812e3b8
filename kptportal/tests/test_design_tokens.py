"""The style sheets name each colour once, as a token in a ``:root`` block, and use its name."""

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")
ROOT_BLOCK = re.compile(r":root\s*\{[^}]*\}", re.S)
COMMENT = re.compile(r"/\*.*?\*/", re.S)


@pytest.mark.parametrize("sheet", CSS, ids=lambda path: path.name)
def test_no_raw_colour_outside_the_tokens(sheet):
    rules = ROOT_BLOCK.sub("", COMMENT.sub("", sheet.read_text()))
    assert HEX.findall(rules) == []


def test_the_portal_has_a_spacing_scale_and_type_sizes():
    tokens = ROOT_BLOCK.search((CSS[0].parent / "portal.css").read_text()).group(0)
    for name in ("--space-1", "--space-6", "--text-sm", "--text-xl", "--measure"):
        assert f"{name}:" in tokens
