"""How a pick is written into XMP sidecars so that other apps show it, and read back from theirs.

Lightroom Classic reads stars (`xmp:Rating`) and colour labels (`xmp:Label`) from a sidecar but
keeps its pick flag in its catalog; Photo Mechanic shows its own "Tagged" field
(`photomechanic:Tagged`, True/False) and reads stars too. A pick with no stars therefore
looked unrated in both. The setting "write picks as" combines:

    rating:N    a pick is written with at least N stars (its own rating when higher)
    label:NAME  a pick without a label of its own is written with that colour label
    flag        the pick flag: photomechanic:Tagged="True" (Photo Mechanic's tag)

The default, `rating:1,flag`, shows picks as one star in Lightroom and as tagged one-star
photos in Photo Mechanic. culler also always writes `xmpDM:pick` (1 pick, 0 none, -1 reject:
Adobe's field, which Lightroom Classic 13.2+ writes), so culler reads its own sidecars back
exactly. Rejects stay `xmp:Rating=-1` whatever the setting.

Reading a sidecar another app wrote: an explicit flag (xmpDM:pick, photomechanic:Tagged,
digiKam:PickLabel) decides; a sidecar with none of them is a pick when its rating or label
matches the convention (N stars or more; that label), so a Lightroom sidecar with the agreed
stars shows up as a pick. Without the flag field, an unflagged photo with those stars reads back
as a pick too: that ambiguity is the convention's, and `same` treats the two alike. Pure
functions, no I/O: the export dialog and the live-sidecar setting keep the value as its text
(`PicksAs.from_setting(text)`, `str(picks_as)`).
"""

from __future__ import annotations

from dataclasses import dataclass

from culler.core.records import LABELS, Decision


@dataclass(frozen=True)
class PicksAs:
    """Which XMP fields mark a pick; see the module docstring."""

    rating: int | None = None  # 1-5: a pick is written with at least this many stars
    label: str | None = None  # one of LABELS: a pick without a label gets this one
    flag: bool = False  # write photomechanic:Tagged

    def __post_init__(self) -> None:
        if self.rating is not None and self.rating not in range(1, 6):
            raise ValueError(f"picks as rating:N needs N from 1 to 5, not {self.rating!r}")
        if self.label is not None and self.label not in LABELS:
            raise ValueError(f"picks as label:NAME needs one of {', '.join(LABELS)}, not {self.label!r}")

    @classmethod
    def parse(cls, text: str) -> PicksAs:
        """'rating:1,flag' -> PicksAs(rating=1, flag=True); '+' or ',' between parts; 'none' for
        nothing but culler's own xmpDM:pick. ValueError with the accepted forms when wrong."""
        rating, label, flag = None, None, False
        parts = [p.strip() for p in str(text).replace("+", ",").split(",") if p.strip()]
        if not parts:
            raise ValueError(_USAGE)
        for part in parts:
            kind, _, arg = part.partition(":")
            kind, arg = kind.strip().lower(), arg.strip()
            if kind == "none" and not arg and len(parts) == 1:
                continue
            if kind == "flag" and not arg:
                flag = True
            elif kind == "rating" and arg in {"1", "2", "3", "4", "5"}:
                rating = int(arg)
            elif kind == "label" and arg.lower() in {name.lower() for name in LABELS}:
                label = next(name for name in LABELS if name.lower() == arg.lower())
            else:
                raise ValueError(f"cannot write picks as {part!r}: {_USAGE}")
        return cls(rating, label, flag)

    @classmethod
    def from_setting(cls, value) -> PicksAs:
        """The saved setting, or the default when it is missing or no longer valid."""
        try:
            return cls.parse(value) if value else DEFAULT
        except ValueError:
            return DEFAULT

    def __str__(self) -> str:
        parts = ([f"rating:{self.rating}"] if self.rating else []) + \
            ([f"label:{self.label}"] if self.label else []) + (["flag"] if self.flag else [])
        return ",".join(parts) or "none"

    def encode(self, decision: Decision) -> Decision:
        """The stars and label written for a decision: a pick's raised to the convention."""
        if decision.flag != "pick":
            return decision
        rating = max(decision.rating, self.rating or 0)
        return decision.with_(rating=rating, label=decision.label or self.label)

    def is_pick(self, rating: int | None, label: str | None) -> bool:
        """Whether stars/label in a sidecar with no flag of its own mean 'pick' under this convention."""
        return bool((self.rating and rating is not None and rating >= self.rating)
                    or (self.label and label == self.label))

    def same(self, a: Decision, b: Decision) -> bool:
        """Whether two decisions look the same in a sidecar under this convention: culler's
        (pick, 0 stars) and its sidecar's (pick, 1 star) do; so do an older sidecar's unflagged
        one star and the pick it now reads as."""
        return self._seen(a) == self._seen(b)

    def _seen(self, decision: Decision) -> Decision:
        written = self.encode(decision)
        if written.flag == "none" and self.is_pick(written.rating, written.label):
            return self.encode(written.with_(flag="pick"))
        return written

    def apps(self) -> str:
        """What the photographer will see elsewhere, for the export dialog's hint."""
        if self.rating:
            lightroom = f"Lightroom shows picks with {self.rating}+ stars"
        elif self.label:
            lightroom = f"Lightroom shows picks with the {self.label} label"
        else:
            lightroom = "Lightroom does not show picks (it keeps flags in its catalog)"
        mechanic = "Photo Mechanic shows them tagged" if self.flag else (
            "Photo Mechanic shows their stars" if self.rating else "Photo Mechanic does not show them as tagged")
        return f"{lightroom}; {mechanic}. Rejects are written as rating -1."


_USAGE = ("use rating:N (N 1-5), label:NAME (" + ", ".join(LABELS) + "), flag, or several joined "
          "with commas, e.g. rating:1,flag")

DEFAULT = PicksAs(rating=1, flag=True)
