"""Group navigation, accepting suggestions and the "best of each group" filter on plain records:
the Qt-free logic behind the window's group keys (culler.core.group_navigation, core.filters)."""

from __future__ import annotations

from culler.core.filters import PhotoFilter
from culler.core.group_navigation import GroupIndex, step_group, suggested_changes
from culler.core.records import Decision, GroupRow


def test_group_logic_on_plain_records():
    class State:
        order = [1, 2, 3, 4, 5, 6]
        groups = {1: GroupRow(1, "a", 2, 2, "reject"), 2: GroupRow(2, "a", 2, 1, "pick"),
                  4: GroupRow(4, "b", 3, 1, "pick"), 5: GroupRow(5, "b", 3, 2, None),
                  6: GroupRow(6, "b", 3, 3, "reject"),
                  3: GroupRow(3, "c", 1, 1, None, kind="single")}
    index = GroupIndex(State())
    assert index.members_of(5) == [4, 5, 6] and index.members_of(3) == [3] and index.group_of(3) is None
    assert step_group([1, 2, 3, 4, 5, 6], index, 1, True) == 4  # skips the single photo
    assert step_group([1, 2, 3, 4, 5, 6], index, 5, False) == 1  # the first frame of the previous group
    assert step_group([1, 2, 3, 4, 5, 6], index, 4, True) is None
    accepted = suggested_changes([1, 2], State.groups, {1: Decision("pick", 3)}, keep_user_flags=True)
    assert accepted.changes == {2: Decision("pick")} and accepted.kept == 1  # the user's pick of 1 stays
    forced = suggested_changes([1], State.groups, {1: Decision("pick", 3)}, keep_user_flags=False)
    assert forced.changes == {1: Decision("reject", 3)}  # rating kept, flag as suggested
    best = PhotoFilter(best_of_group=True)
    assert best.apply(State.order, {}, State.groups) == [2, 3, 4]
    assert "best of each group" in best.describe()
