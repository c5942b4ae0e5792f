"""The keyword vocabulary and the keywords suggested for each photo (pure numpy, no model).

Vocabulary file (`resources/keywords.txt`; a `keywords.txt` in culler's config folder is used
instead when present): one keyword a line, `Parent|Child` for a hierarchy, `#` comments, and two
settings, `threshold = 0.25` and `max = 5`. A keyword is suggested for a photo when the cosine of
the photo's CLIP embedding and the keyword's text embedding ("a photo of <leaf>") is at least the
threshold, best first, at most `max` per photo. The face count adds "people" (1 face or more) and
"group" (3 or more) without CLIP. Suggestions are advice: only accepted keywords are decisions
(culler.core.store_keywords) and go into sidecars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILE_NAME = "keywords.txt"
PROMPT = "a photo of {}"
DEFAULT_THRESHOLD = 0.25  # a usual CLIP ViT-B-32 image-text cosine for a match; not tuned here
DEFAULT_MAX = 5
PEOPLE, GROUP = "people", "group"
GROUP_FACES = 3


class VocabularyError(ValueError):
    """A vocabulary file culler cannot use; the message names the file and line."""


@dataclass(frozen=True)
class Vocabulary:
    keywords: tuple[str, ...]  # full paths, "Parent|Child" or "leaf"
    threshold: float = DEFAULT_THRESHOLD
    max_per_photo: int = DEFAULT_MAX
    source: Path | None = None
    prompts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prompts", tuple(PROMPT.format(leaf(k)) for k in self.keywords))


def leaf(keyword: str) -> str:
    return keyword.rsplit("|", 1)[-1]


def normalise(keyword: str) -> str:
    """'  Nature | beach ' -> 'Nature|beach'; raises ValueError for an empty keyword or level."""
    parts = [p.strip() for p in str(keyword).split("|")]
    if not all(parts):
        raise ValueError(f"{keyword!r} is not a keyword (empty name or hierarchy level)")
    return "|".join(parts)


def vocabulary_path(default: Path, config_dir: Path | None) -> Path:
    """The user's copy in the config folder when it exists, else the bundled default."""
    own = Path(config_dir) / FILE_NAME if config_dir else None
    return own if own is not None and own.is_file() else Path(default)


def load_vocabulary(path: Path) -> Vocabulary:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise VocabularyError(f"cannot read the keyword vocabulary {path}: {e}") from e
    settings = {"threshold": DEFAULT_THRESHOLD, "max": DEFAULT_MAX}
    keywords: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        if eq and name.strip() in settings:
            try:
                settings[name.strip()] = float(value) if name.strip() == "threshold" else int(value)
            except ValueError:
                raise VocabularyError(
                    f"{path}:{number}: {name.strip()} needs a number, not {value.strip()!r}") from None
            continue
        try:
            keyword = normalise(line)
        except ValueError as e:
            raise VocabularyError(f"{path}:{number}: {e}") from None
        if keyword not in keywords:
            keywords.append(keyword)
    if settings["max"] < 0 or not -1.0 <= settings["threshold"] <= 1.0:
        raise VocabularyError(f"{path}: threshold must lie in -1..1 and max must be 0 or more")
    return Vocabulary(tuple(keywords), float(settings["threshold"]), int(settings["max"]), Path(path))


def suggest(photo_ids: list[int], similarities: np.ndarray | None, vocabulary: Vocabulary,
            faces: dict[int, float | None] | None = None,
            accepted: dict[int, list[str]] | None = None) -> dict[int, list[str]]:
    """Suggested keywords per photo id: "people"/"group" from the face count first, then the
    vocabulary's keywords at or above the threshold, best first; at most `max_per_photo`, none
    of them already accepted.

    `similarities`: len(photo_ids) x len(vocabulary.keywords) cosines (EmbeddingIndex.similarities
    of the vocabulary's encoded prompts), or None when CLIP is not available (faces only)."""
    sims = None
    if similarities is not None and vocabulary.keywords:
        sims = np.asarray(similarities, dtype=np.float32).reshape(len(photo_ids), len(vocabulary.keywords))
    out: dict[int, list[str]] = {}
    for row, pid in enumerate(photo_ids):
        count = (faces or {}).get(pid) or 0
        found = ([PEOPLE] if count >= 1 else []) + ([GROUP] if count >= GROUP_FACES else [])
        if sims is not None:
            order = np.lexsort((np.arange(sims.shape[1]), -sims[row]))
            found += [vocabulary.keywords[j] for j in order if sims[row, j] >= vocabulary.threshold]
        taken = set((accepted or {}).get(pid, ()))
        out[pid] = [k for k in dict.fromkeys(found) if k not in taken][:vocabulary.max_per_photo]
    return out


def subjects(keywords: list[str]) -> tuple[list[str], list[str]]:
    """(dc:subject, lr:hierarchicalSubject) for accepted keywords: every level of a hierarchy is a
    flat keyword too (Lightroom does the same); only paths with a '|' are hierarchical."""
    flat: list[str] = []
    hierarchical: list[str] = []
    for k in keywords:
        for part in k.split("|"):
            if part not in flat:
                flat.append(part)
        if "|" in k and k not in hierarchical:
            hierarchical.append(k)
    return flat, hierarchical
