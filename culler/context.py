"""The application context: where culler keeps its files, built once by the composition root.

No module-level singletons: whoever needs a directory gets this object passed in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from culler import APP_NAME


@dataclass(frozen=True)
class AppContext:
    cache_dir: Path  # thumbnails and other re-creatable files
    data_dir: Path  # session stores of read-only albums, review history across albums
    config_dir: Path  # keymap.json, settings.json
    models_dir: Path  # model weight files (CULLER_MODELS_DIR overrides)

    @classmethod
    def from_environment(cls, environ: dict | None = None) -> AppContext:
        import platformdirs

        env = os.environ if environ is None else environ
        cache = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
        models = Path(env["CULLER_MODELS_DIR"]) if env.get("CULLER_MODELS_DIR") else cache / "models"
        return cls(
            cache_dir=cache,
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            models_dir=models,
        )

    @property
    def thumbnail_dir(self) -> Path:
        return self.cache_dir / "thumbnails"

    @property
    def demo_album(self) -> Path:
        return resources_dir() / "demo"


def resources_dir() -> Path:
    """The bundled resources folder (next to the package in a checkout, inside a bundle when frozen)."""
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"
