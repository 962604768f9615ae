"""Write an ASK CLI project for this deployment: ``ask deploy`` run inside it creates or updates the skill.

    python scripts/skill_package.py --privacy-url URL --terms-url URL [--endpoint SKILL_FUNCTION_ARN]

The manifest in ``interaction_models/skill.json`` holds example URLs and endpoint; this fills in the
operator's own (the privacy policy and terms are required to publish, and Alexa accepts a Lambda endpoint
only once that function allows this skill to call it, so the first ``ask deploy`` runs without one). The
project goes to ``build/ask/``: ``ask-resources.json`` and ``skill-package/`` with the manifest and one
interaction model per locale of the manifest.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "interaction_models"
MANIFEST = MODELS / "skill.json"
LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")
ASK_RESOURCES = {
    "askcliResourcesVersion": "2020-03-31",
    "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}},
}


class PackageError(ValueError):
    """Bad operator input; the message says which value and why."""


def https_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise PackageError(f"{what} must be an https:// URL, got {value!r}")
    return value


def render_manifest(
    manifest: dict[str, Any], *, privacy_url: str, terms_url: str, endpoint: str | None
) -> dict[str, Any]:
    """The manifest with the operator's URLs in every locale and their endpoint (or none yet)."""
    rendered = copy.deepcopy(manifest)
    body = rendered["manifest"]
    for locale in body["privacyAndCompliance"]["locales"].values():
        locale["privacyPolicyUrl"] = https_url(privacy_url, "--privacy-url")
        locale["termsOfUseUrl"] = https_url(terms_url, "--terms-url")
    custom = body["apis"]["custom"]
    if endpoint is None:
        custom.pop("endpoint", None)
    elif LAMBDA_ARN.match(endpoint):
        custom["endpoint"] = {"uri": endpoint}
    else:
        raise PackageError(f"--endpoint must be a Lambda function ARN (the SkillFunctionArn output), got {endpoint!r}")
    return rendered


def locales(manifest: dict[str, Any]) -> list[str]:
    return sorted(manifest["manifest"]["publishingInformation"]["locales"])


def write_project(out: Path, manifest: dict[str, Any], models: Path = MODELS) -> None:
    missing = [locale for locale in locales(manifest) if not (models / f"{locale}.json").is_file()]
    if missing:
        raise PackageError(f"no interaction model for {', '.join(missing)} in {models}")
    package = out / "skill-package"
    custom_models = package / "interactionModels" / "custom"
    custom_models.mkdir(parents=True, exist_ok=True)
    (out / "ask-resources.json").write_text(json.dumps(ASK_RESOURCES, indent=2) + "\n", encoding="utf-8")
    (package / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for locale in locales(manifest):
        (custom_models / f"{locale}.json").write_bytes((models / f"{locale}.json").read_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--privacy-url", required=True)
    parser.add_argument("--terms-url", required=True)
    parser.add_argument("--endpoint", help="the stack's SkillFunctionArn output; leave out before the first deploy")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "ask")
    args = parser.parse_args(argv)
    source = json.loads(MANIFEST.read_text(encoding="utf-8"))
    try:
        manifest = render_manifest(
            source, privacy_url=args.privacy_url, terms_url=args.terms_url, endpoint=args.endpoint
        )
        write_project(args.out, manifest)
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"ASK project written to {args.out}: run `ask deploy` there")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
