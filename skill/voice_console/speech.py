"""What Alexa would say, as plain text: SSML tags dropped, breaks kept as spaces."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

_TAG = re.compile(r"<[^>]+>")


def strip_ssml(ssml: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", ssml)).split())


def spoken_text(output_speech: Mapping[str, Any] | None) -> str:
    if not output_speech:
        return ""
    if output_speech.get("type") == "SSML" or "ssml" in output_speech:
        return strip_ssml(str(output_speech.get("ssml") or ""))
    return " ".join(str(output_speech.get("text") or "").split())
