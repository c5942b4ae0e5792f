"""Asking a real chat-completions server on 127.0.0.1 about the shortlist: what is sent, what is
cached, and how each misbehaving server is handled."""

from __future__ import annotations

import logging
import time

import pytest

from culler.analysis import vlm_prompt
from culler.analysis.vlm_client import VlmClient, VlmError, check_reachable
from culler.analysis.vlm_run import group_rankings, plan_critique, run_critique
from culler.core import critique
from culler.core.store_vlm import VlmAnswers
from tests.vlm.chat_server import ChatServer, images_of
from tests.vlm.conftest import KEY


def _run(store, album, config, data_dir, *, photo_ids=None, groups=(), waits=None, **kw):
    photo_ids = critique.shortlist(store, "top", 10) if photo_ids is None else photo_ids
    plan = plan_critique(store, album, config, data_dir, photo_ids=photo_ids, groups=groups)
    waited = [] if waits is None else waits
    client = VlmClient(config, wait=lambda s: waited.append(s) or time.sleep(s) or True)
    return plan, run_critique(store, album, config, data_dir, plan, client, **kw)


def test_well_behaved_server_gets_small_images_the_prompt_and_the_schema_then_the_cache_answers(
        store, album, tmp_path, config_for):
    shortlist = critique.shortlist(store, "top", 10)
    # One frame per group: the four singles and the burst's best, best score first.
    assert shortlist == [store.by_name[n] for n in
                         ("a_astronaut.jpg", "e_burst1.jpg", "b_coffee.jpg", "d_rocket.jpg", "c_chelsea.jpg")]
    # Every photo in review order (the window's other shortlist): the burst's frames each count.
    assert critique.shortlist(store, "review", 4) == [store.by_name[n] for n in
                                                      ("a_astronaut.jpg", "e_burst1.jpg", "b_coffee.jpg",
                                                       "e_burst2.jpg")]
    with ChatServer("ok") as server:
        config = config_for(server)
        plan, report = _run(store, album, config, tmp_path / "data")
        assert (len(plan.jobs), plan.cached, plan.images) == (5, 0, 5)
        assert (report.asked, report.answered, report.malformed, report.failed) == (5, 5, 0, [])
        assert len(server.requests) == 5
        for request in server.requests:
            body = request["body"]
            assert request["path"] == "/v1/chat/completions"
            assert body["model"] == "test-vlm"
            assert body["response_format"]["json_schema"]["schema"] == vlm_prompt.CRITIQUE_SCHEMA
            text = body["messages"][1]["content"][0]["text"]
            assert "Should this photo be kept" in text and "sharpness on subject 0.61" in text
            (image,) = images_of(body)
            assert max(image.size) <= 1024
        # The 2000 px astronaut went out at exactly 1024 px; the 800 px coffee was not enlarged.
        sizes = sorted(max(images_of(r["body"])[0].size) for r in server.requests)
        assert sizes[-1] == 1024 and 800 in sizes
        assert report.request_bytes > 5 * 20_000 and report.response_bytes > 0

        critiques = VlmAnswers(store).photo_critiques()
        assert set(critiques) == set(shortlist)
        assert critiques[shortlist[0]] == {"model": "test-vlm", "verdict": "keep", "score": 8,
                                           "issues": ["composition"], "critique": "Sharp eyes, clean background."}

        again, report2 = _run(store, album, config, tmp_path / "data")
        assert (len(again.jobs), again.cached, report2.asked) == (0, 5, 0)
        assert len(server.requests) == 5  # asking again sent nothing


def test_a_changed_file_is_asked_about_again(store, album, tmp_path, config_for):
    pid = store.by_name["b_coffee.jpg"]
    with ChatServer("ok") as server:
        config = config_for(server)
        _run(store, album, config, tmp_path / "data", photo_ids=[pid])
        (album / "b_coffee.jpg").write_bytes((album / "c_chelsea.jpg").read_bytes())
        from culler.pipeline.scan import refresh_photos
        refresh_photos(album, store)
        assert pid not in VlmAnswers(store).photo_critiques()
        plan, _ = _run(store, album, config, tmp_path / "data", photo_ids=[pid])
        assert len(plan.jobs) == 1 and len(server.requests) == 2


def test_server_refusing_response_format_is_asked_once_more_without_it_and_read_leniently(
        store, album, tmp_path, config_for):
    with ChatServer("no_schema") as server:
        _, report = _run(store, album, config_for(server), tmp_path / "data")
        assert report.answered == 5 and not report.structured
        assert "response_format" in server.requests[0]["body"]
        assert all("response_format" not in r["body"] for r in server.requests[1:])
        assert len(server.requests) == 6  # one refused, then one per photo
    assert {c["verdict"] for c in VlmAnswers(store).photo_critiques().values()} == {"keep"}


def test_malformed_answers_are_recorded_as_such_and_never_stop_the_run(store, album, tmp_path, config_for):
    with ChatServer("malformed") as server:
        config = config_for(server)
        _, report = _run(store, album, config, tmp_path / "data")
        assert (report.asked, report.answered, report.malformed, report.stopped) == (5, 0, 5, None)
        answers = VlmAnswers(store)
        assert answers.malformed_count() == 5 and answers.photo_critiques() == {}
        again, _ = _run(store, album, config, tmp_path / "data")
        assert again.cached == 5 and len(server.requests) == 5


def test_429_waits_for_retry_after_then_succeeds(store, album, tmp_path, config_for):
    waits = []
    with ChatServer("rate_limit", fail_first=1, retry_after="0.3") as server:
        config = config_for(server)
        retries = []
        plan = plan_critique(store, album, config, tmp_path / "data", photo_ids=[store.by_name["a_astronaut.jpg"]])
        client = VlmClient(config, wait=lambda s: waits.append(s) or True, on_retry=retries.append)
        report = run_critique(store, album, config, tmp_path / "data", plan, client)
    assert report.answered == 1 and waits == [0.3]
    assert retries == ["rate limited (429), waiting 0.3 s as the server asks; retry 1 of 1"]


def test_429_asking_for_a_longer_wait_than_allowed_stops_the_run(store, album, tmp_path, config_for):
    with ChatServer("rate_limit", fail_first=99, retry_after="3600") as server:
        _, report = _run(store, album, config_for(server), tmp_path / "data")
        assert len(server.requests) == 1
    assert "asks to wait 3600 s" in report.stopped and report.answered == 0


def test_server_errors_are_retried_with_growing_backoff(store, album, tmp_path, config_for):
    waits = []
    with ChatServer("server_error", fail_first=2) as server:
        config = config_for(server, retries=2, backoff_s=0.05)
        _, report = _run(store, album, config, tmp_path / "data",
                         photo_ids=[store.by_name["a_astronaut.jpg"]], waits=waits)
    assert report.answered == 1 and waits == [0.05, 0.1]


def test_slow_server_times_out_is_reported_not_cached_and_three_failures_stop(store, album, tmp_path, config_for):
    with ChatServer("slow", delay=1.5) as server:
        config = config_for(server, timeout_s=0.3, retries=1)
        started = time.monotonic()
        _, report = _run(store, album, config, tmp_path / "data")
        assert time.monotonic() - started < 8  # six waits for the 1.5 s answers would take 9 s
        assert len(server.requests) == 6  # three photos, two attempts each, then it stopped
    assert len(report.failed) == 3 and "no answer within 0.3 s; gave up after 2 attempt(s)" in report.failed[0][1]
    assert report.stopped and report.answered == 0
    assert VlmAnswers(store).photo_critiques() == {}


def test_401_stops_at_once_and_the_key_is_in_no_message_log_or_database(
        store, album, tmp_path, config_for, caplog):
    caplog.set_level(logging.DEBUG)
    with ChatServer("unauthorized") as server:
        _, report = _run(store, album, config_for(server), tmp_path / "data")
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"  # it was sent, to the server
        assert len(server.requests) == 1
    assert "401" in report.stopped and "CULLER_VLM_KEY" in report.stopped
    assert KEY not in report.stopped + str(report.failed) + caplog.text
    store.close()
    for f in (tmp_path / "data").rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes(), f
    for f in (album / ".culler").rglob("*"):
        assert KEY.encode() not in f.read_bytes(), f


def test_unreachable_endpoint_is_said_at_once(config_for):
    with ChatServer("ok") as server:
        config = config_for(server)
    started = time.monotonic()
    with pytest.raises(VlmError, match="not reachable") as e:
        check_reachable(config)
    assert e.value.fatal and time.monotonic() - started < 1


def test_caps_per_run_and_per_day_cut_the_plan_and_the_price_is_counted(store, album, tmp_path, config_for):
    data = tmp_path / "data"
    with ChatServer("ok") as server:
        config = config_for(server, max_photos_per_run=2, daily_photos=3, price_per_photo=0.01,
                            seconds_per_photo=4.0)
        plan, _ = _run(store, album, config, data)
        assert (len(plan.jobs), plan.left_out, plan.seconds, plan.cost) == (2, 3, 8.0, 0.02)
        assert "2 photo(s) to ask" in plan.describe(config) and "cost about 0.02" in plan.describe(config)
        plan2, _ = _run(store, album, config, data)  # 2 of today's 3 are used
        assert (len(plan2.jobs), plan2.cached, plan2.left_out) == (1, 2, 2)
        plan3, _ = _run(store, album, config, data)
        assert len(plan3.jobs) == 0 and len(server.requests) == 3


def test_requests_per_minute_spaces_the_requests(store, album, tmp_path, config_for):
    waits = []  # recorded, not slept: each request then starts well within the 10 s spacing
    with ChatServer("ok") as server:
        config = config_for(server, requests_per_minute=6)
        plan = plan_critique(store, album, config, tmp_path / "data", photo_ids=critique.shortlist(store, "top", 10))
        client = VlmClient(config, wait=lambda s: waits.append(s) or True)
        run_critique(store, album, config, tmp_path / "data", plan, client)
    assert len(waits) == 4 and all(5 < w <= 10 for w in waits)


def test_progress_and_cancel(store, album, tmp_path, config_for):
    seen = []
    with ChatServer("ok") as server:
        _, report = _run(store, album, config_for(server), tmp_path / "data",
                         progress=lambda done, total, msg: seen.append((done, total, msg)),
                         cancelled=lambda: len(seen) >= 2)
        assert len(server.requests) == 2
    assert report.cancelled and seen[0] == (0, 5, "a_astronaut.jpg")


def test_a_burst_is_ranked_in_one_request_without_reordering_cullers_group(store, album, tmp_path, config_for):
    groups = critique.burst_groups(store, max_frames=6)
    burst = [store.by_name[n] for n in ("e_burst1.jpg", "e_burst2.jpg", "e_burst3.jpg")]
    assert groups == [burst]
    before = {pid: (r.group_rank, r.suggestion) for pid, r in store.groups().items()}
    with ChatServer("ok") as server:
        config = config_for(server)
        plan, report = _run(store, album, config, tmp_path / "data", photo_ids=[], groups=groups)
        assert plan.images == 3 and report.answered == 1 and len(server.requests) == 1
        body = server.requests[0]["body"]
        assert len(images_of(body)) == 3
        assert body["response_format"]["json_schema"]["schema"] == vlm_prompt.RANKING_SCHEMA
        assert "Rank them, best first" in body["messages"][1]["content"][0]["text"]
        _run(store, album, config, tmp_path / "data", photo_ids=[], groups=groups)
        assert len(server.requests) == 1  # cached
    ranking = group_rankings(store, album, "test-vlm", groups)[tuple(burst)]
    assert ranking["order"] == burst[::-1]
    assert ranking["reasons"][burst[0]] == {"strengths": "s1", "weaknesses": "w1"}
    assert {pid: (r.group_rank, r.suggestion) for pid, r in store.groups().items()} == before
    assert critique.burst_groups(store, max_frames=2) == [burst[:2]]


def test_shortlists_of_picks_and_of_a_selection_follow_the_review_order(store):
    by = store.by_name
    store.decide([by["c_chelsea.jpg"], by["a_astronaut.jpg"], by["e_burst3.jpg"]], flag="pick")
    assert critique.shortlist(store, "picks") == [by["a_astronaut.jpg"], by["e_burst3.jpg"], by["c_chelsea.jpg"]]
    assert critique.shortlist(store, "selection", selection=[by["d_rocket.jpg"], by["b_coffee.jpg"]]) == \
        [by["b_coffee.jpg"], by["d_rocket.jpg"]]
    assert critique.shortlist(store, "top", 2) == [by["a_astronaut.jpg"], by["e_burst1.jpg"]]
    with pytest.raises(ValueError):
        critique.shortlist(store, "everything")


def test_a_local_endpoint_is_never_reached_through_a_proxy_from_the_environment(
        store, album, tmp_path, config_for, monkeypatch):
    with ChatServer("ok") as proxy, ChatServer("ok") as server:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.httpd.server_address[1]}")
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.httpd.server_address[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        config = config_for(server, url=server.url.replace("127.0.0.1", "localhost"))
        _, report = _run(store, album, config, tmp_path / "data", photo_ids=[store.by_name["b_coffee.jpg"]])
        assert report.answered == 1 and len(server.requests) == 1 and proxy.requests == []
