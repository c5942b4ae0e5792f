"""Plain records shared by album scanning, the store, the pipeline, export and the UI.

They carry data only; who fills which field is said on each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

FLAGS = ("none", "pick", "reject")
# Lightroom's colour label names (xmp:Label); keys 6-9 set the first four.
LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")
SUGGESTIONS = ("pick", "reject")


@dataclass(frozen=True)
class Decision:
    """What the user decided about one photo. Only the user (or accepting a suggestion) sets it."""

    flag: str = "none"  # one of FLAGS
    rating: int = 0  # 0-5
    label: str | None = None  # one of LABELS or None

    def __post_init__(self) -> None:
        if self.flag not in FLAGS:
            raise ValueError(f"flag must be one of {FLAGS}, not {self.flag!r}")
        if not (isinstance(self.rating, int) and 0 <= self.rating <= 5):
            raise ValueError(f"rating must be 0-5, not {self.rating!r}")
        if self.label is not None and self.label not in LABELS:
            raise ValueError(f"label must be one of {LABELS} or None, not {self.label!r}")

    def with_(self, **changes) -> Decision:
        return replace(self, **changes)

    def is_empty(self) -> bool:
        return self.flag == "none" and self.rating == 0 and self.label is None

    def to_json(self) -> dict:
        return {"flag": self.flag, "rating": self.rating, "label": self.label}

    @classmethod
    def from_json(cls, d: dict) -> Decision:
        return cls(flag=d.get("flag", "none"), rating=int(d.get("rating", 0)), label=d.get("label"))


@dataclass
class PhotoMeta:
    """What the file's metadata says (EXIF), read once at scan time."""

    captured_at: datetime | None = None  # naive local capture time, with sub-seconds when known
    orientation: int = 1  # EXIF orientation 1-8 (anything else is read as 1)
    width: int | None = None  # pixel size as stored, before orientation
    height: int | None = None
    camera: str | None = None  # "Make Model"
    lens: str | None = None
    exposure_time: float | None = None  # seconds
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None  # mm
    exposure_bias: float | None = None  # EV; a sequence of biases marks an exposure bracket
    rating: int | None = None  # stars set in the camera (EXIF Rating or embedded XMP), -1 rejected
    protected: bool = False  # the file is read-only: how a camera's "protect" shows (DCF, FAT attribute)


@dataclass
class Photo:
    """One photo of an album: a primary file plus companions (RAW+JPEG pair, sidecars excluded)."""

    path: str  # relative to the album root, '/' separators; for a RAW+JPEG pair, the RAW
    kind: str  # 'jpeg' | 'heic' | 'png' | 'tiff' | 'webp' | 'raw' | 'gif' | 'other'
    size: int = 0  # bytes of the primary file
    mtime_ns: int = 0  # of the primary file
    companions: list[str] = field(default_factory=list)  # relative paths, e.g. ['IMG_1.JPG']
    meta: PhotoMeta = field(default_factory=PhotoMeta)
    status: str = "ok"  # 'ok' | 'error'
    error: str | None = None  # why the file cannot be shown, in words a user understands
    sidecar_decision: Decision | None = None  # rating/label found in an existing XMP sidecar
    id: int | None = None  # row id in the session store, set once stored

    @property
    def display_path(self) -> str:
        """The file to decode for display: a JPEG companion beats a RAW's embedded preview."""
        if self.kind == "raw":
            for c in self.companions:
                if c.lower().endswith((".jpg", ".jpeg")):
                    return c
        return self.path

    @property
    def cache_key(self) -> tuple[str, int, int]:
        """Changes when the file changes: (path, size, mtime_ns)."""
        return (self.path, self.size, self.mtime_ns)


GROUP_KINDS = ("single", "burst", "duplicates", "bracket", "panorama")


@dataclass
class GroupRow:
    """Where one photo stands in its group of near-duplicates, and what culler suggests for it."""

    photo_id: int
    group: str  # group id; a single photo is a group of its own
    group_size: int = 1
    group_rank: int = 1  # 1 = best in its group
    suggestion: str | None = None  # 'pick' | 'reject' | None — advice only, never a decision
    reasons: list[str] = field(default_factory=list)  # short and human: "sharpest of 5"
    kind: str = "single"  # one of GROUP_KINDS; brackets/panoramas are not culled as duplicates
