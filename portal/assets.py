"""Build step run at install (`make` calls it): vendor assets from node_modules and compiled catalogs.

Fonts and scripts come from package registries at set-up and are served from our own static files,
never from a CDN; compiled .mo files are built here, not committed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# (package, file inside it, destination under <app>/static/vendor/)
VENDOR_FILES = (
    ("vazirmatn", "fonts/webfonts/Vazirmatn[wght].woff2", "vazirmatn/Vazirmatn[wght].woff2"),
    ("vazirmatn", "fonts/ttf/Vazirmatn-Regular.ttf", "vazirmatn/Vazirmatn-Regular.ttf"),
    ("vazirmatn", "fonts/ttf/Vazirmatn-Bold.ttf", "vazirmatn/Vazirmatn-Bold.ttf"),
    ("vazirmatn", "OFL.txt", "vazirmatn/OFL.txt"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"),
    ("chart.js", "dist/chart.umd.min.js", "chartjs/chart.umd.min.js"),
)
APPS = ("portal", "feedback")
TRANSLATION_DIRS = (ROOT / "portal" / "translations", ROOT / "feedback" / "web" / "translations")


def copy_vendor_files() -> int:
    copied = 0
    for package, source, destination in VENDOR_FILES:
        src = NODE_MODULES / package / source
        if not src.exists():
            raise SystemExit(f"missing {src}: run `npm ci` first (the Makefile does)")
        for app in APPS:
            dest = ROOT / app / ("static" if app == "portal" else "web/static") / "vendor" / destination
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists() or dest.stat().st_mtime < src.stat().st_mtime:
                shutil.copy2(src, dest)
                copied += 1
    return copied


def compile_catalogs() -> int:
    compiled = 0
    for folder in TRANSLATION_DIRS:
        for po_path in folder.glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog)
            compiled += 1
    return compiled


def main() -> None:
    copied = copy_vendor_files()
    compiled = compile_catalogs()
    print(f"assets: {copied} vendor files copied, {compiled} catalogs compiled", file=sys.stderr)


if __name__ == "__main__":
    main()
