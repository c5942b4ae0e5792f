"""Group rows come back whole when the album is reopened, and one damaged row costs only its own
reasons (the rows are decoded in one go at every album open)."""

from __future__ import annotations

import sqlite3

from culler.core.records import GroupRow
from culler.core.store import Store
from tests.core.test_store import album, data_dir, open_synced  # noqa: F401 - fixtures


def test_reasons_survive_reopen_and_a_damaged_row_loses_only_its_reasons(album, data_dir):  # noqa: F811
    store, ids = open_synced(album, data_dir)
    a, b, c = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"], ids["IMG_0002.JPG"]
    rows = [GroupRow(a, "g1", 3, 1, "pick", ["sharpest of 3", "eyes open, « 1 face »"], "burst"),
            GroupRow(b, "g1", 3, 2, None, [], "burst"),
            GroupRow(c, "g1", 3, 3, "reject", ["motion blur"], "burst")]
    store.put_groups(rows)
    store.close()

    store = Store.open(album, data_dir)
    assert store.groups() == {r.photo_id: r for r in rows}
    store.close()

    with sqlite3.connect(album / ".culler" / "session.sqlite") as conn:
        conn.execute("UPDATE photo_groups SET reasons = '[\"cut off' WHERE photo_id = ?", (c,))
    store = Store.open(album, data_dir)
    groups = store.groups()
    assert groups[a] == rows[0] and groups[b] == rows[1]
    assert groups[c].reasons == [] and groups[c].suggestion == "reject"
    store.close()
