"""What a taste profile learned, in words and figures ("you forgive noise, never blur").

The profile's weights are per standardised feature and `generic` (culler's own score) is one of
them, so every other weight says how this photographer departs from the default: a positive
weight on how much darker a frame is means they keep darker frames than the default does.
Features are read together along a few plain axes; an axis is named when it moves the keep odds
by more than `NOTABLE` per standard deviation of the photos seen.
"""

from __future__ import annotations

NOTABLE = 0.3
AXES = {  # axis -> (feature, sign) whose weights add up to "likes more of this"
    "darker": (("rel_dark", 1), ("rel_bright", -1), ("level", -1)),
    "noise": (("rel_noise", 1), ("noise_level", 1)),
    "blur": (("rel_width", 1), ("rel_motion", 1), ("width_level", 1)),
    "contrast": (("contrast_level", 1), ("rel_contrast", -1)),
    "clipping": (("rel_highlights", 1), ("highlights_level", 1), ("rel_shadows", 1), ("shadows_level", 1)),
    "quality_models": (("clipiqa", 1), ("nima", 1)),
}


def figures(profile) -> dict[str, float]:
    """Axis -> summed standardised weight (positive = keeps more of it than the default)."""
    if profile.weights is None:
        return {}
    w = dict(zip(profile.features, profile.weights))
    out = {axis: round(sum(sign * w.get(f, 0.0) for f, sign in parts), 3) for axis, parts in AXES.items()}
    out["follows_default"] = round(w.get("generic", 0.0), 3)
    return out


def headline(profile) -> str:
    if profile.decisions == 0:
        return "Nothing learned yet: suggestions follow culler's default ranking."
    text = f"Learned from {profile.decisions} of your decisions"
    if profile.agreement is None:
        return text + " - not enough yet to check it against your recent ones; the default ranking is used."
    text += (f" - agrees with you {_pct(profile.agreement)} % of the time on your recent decisions "
             f"(the default ranking: {_pct(profile.generic_agreement)} %)")
    if profile.alpha <= 0:
        return text + "; it does not beat the default yet, so the default ranking is used."
    return text + f"; its weight in the order: {_pct(profile.alpha)} %."


def sentences(profile) -> list[str]:
    """What it weighs, in words (only the axes that matter)."""
    f = figures(profile)
    if not f:
        return []
    said = []
    if f["darker"] > NOTABLE:
        said.append("you keep darker, moodier frames than the default")
    elif f["darker"] < -NOTABLE:
        said.append("you keep brighter frames than the default")
    noise, blur = f["noise"], f["blur"]
    if noise > NOTABLE and blur < -NOTABLE:
        said.append("you forgive noise, never blur")
    else:
        if noise > NOTABLE:
            said.append("you forgive noise more than the default")
        elif noise < -NOTABLE:
            said.append("you mind noise more than the default")
        if blur < -NOTABLE:
            said.append("you mind blur and shake more than the default")
        elif blur > NOTABLE:
            said.append("you forgive softness more than the default")
    if f["contrast"] > NOTABLE:
        said.append("you prefer high-contrast frames")
    elif f["contrast"] < -NOTABLE:
        said.append("you prefer soft, low-contrast frames")
    if f["clipping"] < -NOTABLE:
        said.append("you mind clipped highlights and shadows more than the default")
    elif f["clipping"] > NOTABLE:
        said.append("you accept clipped highlights and shadows")
    if f["quality_models"] > NOTABLE:
        said.append("you agree with the quality models (CLIP-IQA, NIMA) more than the default")
    elif f["quality_models"] < -NOTABLE:
        said.append("you agree with the quality models (CLIP-IQA, NIMA) less than the default")
    return said


def _pct(x: float | None) -> int:
    return 0 if x is None else int(round(100 * x))
