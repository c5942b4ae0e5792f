"""What the model's critiques may change (authority), the confidence they adjust, the
disagreements they surface, and how loose answers are read."""

from __future__ import annotations

import pytest

from culler.analysis.vlm_prompt import evidence, parse_critique, parse_ranking
from culler.core.critique import adjusted_confidence, apply_authority, disagreements

KEEP = {"verdict": "keep", "score": 9}
MAYBE = {"verdict": "maybe", "score": 5}
REJECT = {"verdict": "reject", "score": 2}
SUGGESTED = {1: "reject", 2: "reject", 3: "pick", 4: None, 5: "reject"}
CRITIQUES = {1: KEEP, 2: REJECT, 3: REJECT, 4: KEEP, 5: KEEP}


def test_explain_changes_nothing():
    assert apply_authority(SUGGESTED, CRITIQUES, set(), "explain") == SUGGESTED


def test_rescue_only_lifts_suggested_rejects_the_model_keeps_never_a_users_decision():
    out = apply_authority(SUGGESTED, CRITIQUES, decided={5}, authority="rescue")
    assert out == {1: None, 2: "reject", 3: "pick", 4: None, 5: "reject"}
    assert SUGGESTED[1] == "reject"  # the input is not changed


def test_decide_turns_verdicts_into_suggestions_except_for_decided_photos():
    out = apply_authority(SUGGESTED, {**CRITIQUES, 6: MAYBE}, decided={3}, authority="decide")
    assert out == {1: "pick", 2: "reject", 3: "pick", 4: "pick", 5: "pick", 6: None}


def test_unknown_authority_is_refused():
    with pytest.raises(ValueError, match="authority"):
        apply_authority(SUGGESTED, CRITIQUES, set(), "overlord")


def test_agreement_raises_and_disagreement_lowers_the_confidence():
    assert adjusted_confidence(0.9, 0.5, KEEP) > 0.5
    assert adjusted_confidence(0.9, 0.5, REJECT) < 0.5
    assert adjusted_confidence(0.1, 0.5, REJECT) > 0.5
    assert adjusted_confidence(0.9, 0.5, None) == 0.5
    assert adjusted_confidence(None, 0.5, KEEP) == 0.5
    assert adjusted_confidence(0.0, 0.1, {"verdict": "keep", "score": 10}) == 0.0  # clamped


def test_disagreements_list_rejected_high_scorers_and_kept_low_scorers():
    scores = {i: (i / 10, 0.5) for i in range(1, 11)}  # photo 10 scores best
    critiques = {10: REJECT, 9: KEEP, 1: KEEP, 2: REJECT, 5: REJECT}
    found = disagreements(scores, critiques)
    assert [(d["photo_id"], d["kind"]) for d in found] == [(10, "model_rejects"), (1, "model_keeps")]
    assert disagreements({}, critiques) == []


@pytest.mark.parametrize("text, verdict, score, issues", [
    ('{"verdict": "keep", "score": 8, "issues": ["focus"], "critique": "ok"}', "keep", 8, ["focus"]),
    ('Here you go:\n```json\n{"verdict": "Reject", "score": "3/10", "issues": "motion blur, eyes"}\n```',
     "reject", 3, ["motion", "eyes"]),
    ('{"verdict": "discard", "score": 42, "issues": ["lighting"]}', "reject", 10, ["other"]),
    ("Verdict: maybe. Score: 6. The horizon is tilted.", "maybe", 6, []),
    ('{"verdict": "keep"}', "keep", 7, []),
])
def test_loose_answers_are_read(text, verdict, score, issues):
    got = parse_critique(text)
    assert (got["verdict"], got["score"], got["issues"]) == (verdict, score, issues)


@pytest.mark.parametrize("text", ["", "A lovely picture!", '{"score": 7}', '{"verdict": "great"}', "{broken"])
def test_unreadable_answers_are_none(text):
    assert parse_critique(text) is None


def test_rankings_keep_every_frame_once():
    text = '{"ranking": [{"frame": 3, "strengths": "eyes"}, {"frame": 3}, {"frame": 9}, 1]}'
    assert [r["frame"] for r in parse_ranking(text, 3)] == [3, 1, 2]
    assert parse_ranking('{"ranking": []}', 3) is None
    assert parse_ranking("no", 3) is None


def test_evidence_is_a_handful_of_readings():
    text = evidence({"sharpness": 0.42, "highlights_clipped": 0.031, "faces": 2, "eyes_closed": 1,
                     "nima": 5.5, "contrast": 0.3}, group_size=5, group_rank=2)
    assert "sharpness on subject 0.42" in text and "3 % highlights clipped" in text
    assert "2 face(s), eyes closed on 1" in text and "ranks it 2 of 5" in text
    assert "nima" not in text and "contrast" not in text
    assert evidence({}) == ""
