"""What every page viz writes shares: its assets, its template, its data and its policy.

The explorer and the training view are each one offline HTML file made by page(): the
shared frame (viz/assets/page.html: head, policy, data, script) around the page's own
body, with the shared stylesheet (page.css) followed by the page's own, the data as
JSON in a non-executable script element, and a content-security policy that allows
exactly that script and that style, by their hashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape
from importlib import resources
from typing import Any

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def sha256_source(text: str) -> str:
    """The content-security-policy source that allows exactly this script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def script_json(data: Any) -> str:
    """data as JSON that is safe inside an HTML <script> element.

    The HTML parser ends a script at the first "</script>", whatever the JSON means, and
    a label is the user's own text. Writing <, > and & as \\u003c, \\u003e and \\u0026
    keeps every such character out of the HTML while JSON.parse reads the same string.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for character in "<>&":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text


def asset(name: str) -> str:
    """The text of viz/assets/<name>, shipped with the package."""
    return resources.files("viz").joinpath("assets", name).read_text(encoding="utf-8")


def fill_template(template: str, parts: dict[str, str]) -> str:
    """template with each {{name}} replaced by parts[name], in one pass.

    One pass matters: the parts hold user text (labels), and a label that reads
    "{{script}}" must stay those characters, not become the script.
    """
    return PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)


def page(name: str, title: str, body: dict[str, str], data: Any, data_id: str,
         images: bool = False) -> str:
    """One whole offline page: viz/assets/<name>.html (its body, with {{name}} slots
    filled from body and {{title}}) in the shared frame, styled by page.css then
    <name>.css, run by <name>.js, its data as JSON in the element with id data_id.

    The content-security policy allows exactly this script and this style, by their
    sha256 hashes: no other script can run (not even one a label smuggled in), nothing
    can be fetched, no form sent, no frame or plugin loaded. images: also allow data:
    images (the explorer's SVGs may hold them).
    """
    style = asset("page.css") + asset(f"{name}.css")
    script = asset(f"{name}.js")
    title = escape(title)
    policy = (f"default-src 'none'; script-src '{sha256_source(script)}'; "
              f"style-src '{sha256_source(style)}'; {'img-src data:; ' if images else ''}"
              f"base-uri 'none'; form-action 'none'")
    return fill_template(asset("page.html"), {
        "policy": policy, "title": title, "style": style, "data_id": data_id,
        "body": fill_template(asset(f"{name}.html"), {"title": title, **body}),
        "data": script_json(data), "script": script,
    })
