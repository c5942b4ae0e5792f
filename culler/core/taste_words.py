"""What a taste profile learned, in words and figures ("you forgive noise, never blur").

Features are read together along a few plain axes (`AXES`). For each, the share of the keep
decision it explains for this photographer is compared with its share in culler's default score
(see `figures`), and a preferred exposure off the burst's (Profile.prefer) is said in stops; an
axis is named when the two differ by more than `NOTABLE` and by at least
`SECONDARY` of the strongest axis's difference: features move together (a darker frame also reads
softer and flatter), so a strong preference leaks small weights onto the others' axes, which are
not preferences of their own.

The CLIP looks (`LOOK_WORDS`, culler/analysis/clip_looks.py) are axes of their own under the same
rules, and exist only for a profile whose evidence has look values (CLIP's model file was there
when the photos were learned from): without it, nothing is said of them, nor figured.
"""

from __future__ import annotations

import math

from culler.core.taste_evidence import LOOKS

NOTABLE = 0.12
SECONDARY = 0.5
# Not how a photo looks: culler's own score, and whether it is a frame of a burst (a base rate,
# which also takes up what shrinking takes from the other weights: its sign swings from one
# set of decisions to the next, so it is no taste to name, nor a share of one)
NOT_LOOKS = ("generic", "alone")
AXES = {  # axis -> (feature, sign) whose weights add up to "likes more of this"
    "darker": (("rel_dark", 1), ("rel_bright", -1), ("level", -1)),
    "noise": (("rel_noise", 1), ("noise_level", 1)),
    "blur": (("rel_width", 1), ("rel_motion", 1), ("width_level", 1)),
    "contrast": (("contrast_level", 1), ("rel_contrast", -1)),
    "clipping": (("rel_highlights", 1), ("highlights_level", 1), ("rel_shadows", 1), ("shadows_level", 1)),
    "quality_models": (("clipiqa", 1), ("nima", 1)),
}
LOOK_WORDS = {  # look feature -> (what you keep more of when it weighs +, when it weighs -)
    "look_low_key": ("moody, low-key photos", "bright, airy, high-key photos"),
    "look_contrasty": ("photos in hard, dramatic light", "photos in soft, flat light"),
    "look_people": ("photos of people", "photos without people"),
    "look_wide": ("wide views and landscapes", "close-ups"),
    "look_colourful": ("vivid, colourful photos", "muted and black-and-white photos"),
}
assert set(LOOK_WORDS) == set(LOOKS)


def has_looks(profile) -> bool:
    """Some of the evidence has CLIP look values (the model file was there when it was learned)."""
    cols = [profile.features.index(f) for f in LOOKS if f in profile.features]
    for e in profile.evidence:
        for v in (e["a"], e["b"]):
            if v is not None and any(math.isfinite(v[c]) for c in cols):
                return True
    return False


def _axes(profile) -> dict:
    if not has_looks(profile):
        return AXES
    return {**AXES, **{f: ((f, 1),) for f in LOOKS}}


def figures(profile) -> dict[str, float]:
    """Axis -> how much more of the keep decision it explains for this photographer than for the
    default ranking (share of all the features' effect but `NOT_LOOKS`; + = you weigh it more in
    its favour).

    The photographer's effect of a feature is its own weight plus what it contributes through
    culler's score (the `generic` weight times how the score moves with it); the default's is how
    the score moves with it. Both are normalised (shares), so a sharper or flatter scale says nothing."""
    if profile.weights is None:
        return {}
    w = dict(zip(profile.features, profile.weights))
    beta = dict(zip(profile.features, profile.default_effects or [0.0] * len(profile.features)))
    looks = has_looks(profile)
    mine = {f: w.get(f, 0.0) + w.get("generic", 0.0) * beta.get(f, 0.0) for f in profile.features
            if f not in NOT_LOOKS and (looks or f not in LOOKS)}
    norm_mine = sum(abs(v) for v in mine.values()) or 1.0
    norm_default = sum(abs(beta[f]) for f in mine) or 1.0
    return {axis: round(sum(sign * (mine.get(f, 0.0) / norm_mine - beta.get(f, 0.0) / norm_default)
                            for f, sign in parts), 3) for axis, parts in _axes(profile).items()}


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
    bar = max(NOTABLE, SECONDARY * max(abs(v) for v in f.values()))
    raw, f = f, {axis: v if abs(v) >= bar else 0.0 for axis, v in f.items()}
    said = []
    if f["darker"] > NOTABLE:
        said.append("you keep darker, moodier frames than the default")
    elif f["darker"] < -NOTABLE:
        said.append("you keep brighter frames than the default")
    if profile.off_weight < 0 and profile.prefer != 0:  # a preferred exposure off the meter
        n = abs(profile.prefer)
        said.append(f"in a burst you keep the frame about {n:g} stop{'s' if n > 1 else ''} "
                    f"{'under' if profile.prefer < 0 else 'over'} the others' exposure")
    noise, blur = f["noise"], f["blur"]
    if noise > NOTABLE and raw["blur"] < 0:
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
    for look, (more, less) in LOOK_WORDS.items():
        v = f.get(look, 0.0)
        if abs(v) > NOTABLE:
            said.append(f"you keep {more if v > 0 else less} more than the default")
    return said


def _pct(x: float | None) -> int:
    return 0 if x is None else int(round(100 * x))
