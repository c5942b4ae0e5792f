"""The Qt-free rules behind "the layout never changes by itself" and decisions at a glance
(issue 15): groups that arrive are held expanded, a stack's hidden decisions in words, and a
suggestion never shown against its own score without a reason, nor next to a user's flag."""

from __future__ import annotations

from culler.core.album_state import suggestion_text
from culler.core.group_navigation import IndexCache, Stacks, decisions_summary
from culler.core.records import Decision, GroupRow


class State:
    def __init__(self, groups):
        self.order = [1, 2, 3, 4, 5]
        self.groups = groups


BURSTS = {1: GroupRow(1, "a", 3, 2, None), 2: GroupRow(2, "a", 3, 1, "pick"), 3: GroupRow(3, "a", 3, 3, "reject"),
          4: GroupRow(4, "b", 2, 1, None), 5: GroupRow(5, "b", 2, 2, None)}


def test_groups_arriving_later_are_held_until_stacked_and_an_album_opened_with_them_is_stacked():
    stacks = Stacks(IndexCache())
    assert stacks.visible([1, 2, 3, 4, 5], State({})) == [1, 2, 3, 4, 5]  # not analysed yet
    assert stacks.visible([1, 2, 3, 4, 5], State(BURSTS)) == [1, 2, 3, 4, 5]  # groups arrive: held
    assert stacks.held == {"a", "b"}
    assert stacks.stack_held() == 2
    assert stacks.visible([1, 2, 3, 4, 5], State(BURSTS)) == [2, 4]  # asked for: stacked
    regrouped = {**BURSTS, 5: GroupRow(5, "b", 2, 1, None), 4: GroupRow(4, "b", 2, 2, None)}
    assert stacks.visible([1, 2, 3, 4, 5], State(regrouped)) == [2, 4, 5]  # 4 stays on screen
    assert stacks.held == {"b"}

    stacks.reset()  # another album, opened with its groups
    assert stacks.visible([1, 2, 3, 4, 5], State(BURSTS)) == [2, 4] and not stacks.held


def test_decisions_inside_a_stack_in_words():
    assert decisions_summary([Decision("pick"), Decision("none", 3), Decision()]) == "1 pick · 1 ★3"
    assert decisions_summary([Decision("reject"), Decision("reject", 0, "Red")]) == "2 rejects · 1 Red"
    assert decisions_summary([Decision()]) == ""


def test_a_suggestion_says_why_when_its_score_disagrees_and_leaves_with_a_decision():
    white = GroupRow(1, "s1", 1, 1, "reject", ["almost entirely white", "97 % highlights clipped"], "single")
    assert suggestion_text(white, Decision(), 0.69) == "reject? almost entirely white"
    assert suggestion_text(white, Decision(), 0.2) == "reject?"  # a low score agrees: no reason needed
    assert suggestion_text(white, Decision("pick"), 0.69) is None  # the user's flag replaces the advice
    best = GroupRow(2, "g", 3, 1, "pick", ["best of 3"], "burst")
    assert suggestion_text(best, Decision(), 0.3) == "pick? best of 3"
    assert suggestion_text(best, Decision("reject"), 0.3) is None
