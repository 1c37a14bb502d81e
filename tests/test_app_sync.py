"""The app with a sync account: it syncs after its first frame, shows the server's
feeds, says when it is offline and how many changes wait, and pushes them when the
server is back; it never waits on the server (the Google Reader fake, on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.library import open_library
from reader.ui.app import ReaderApp
from tests.conftest import frozen_clock, wait_until
from tests.sync_rigs import GreaderRig


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_app_syncs_after_its_first_frame_and_queues_while_offline(
    tmp_path: Path,
) -> None:
    rig = GreaderRig()
    remote = rig.new_feed("harbour", 3)
    library = open_library(tmp_path / "db", clock=frozen_clock, sync=rig.account())
    app = ReaderApp(library)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.main_screen
            titles = lambda: [s.feed.title for s in screen.visible_feeds()]  # noqa: E731
            await wait_until(pilot, lambda: "Harbour" in titles() and app.sub_title == "synced")
            rig.proxy.down = True  # the server goes away
            screen.go_to_feed(
                next(s.feed.id for s in screen.visible_feeds() if s.feed.title == "Harbour")
            )
            await pilot.press("m")  # read, locally: queued for the server
            screen.sync_now()
            await wait_until(pilot, lambda: app.sub_title == "offline, 1 change waiting")
            assert len(rig.flags()[0]) == 3, "the server has not heard of it"
            rig.proxy.down = False
            screen.sync_now()
            await wait_until(pilot, lambda: app.sub_title == "synced")
            assert len(rig.flags()[0]) == 2, "the read mark reached the server"
            assert set(rig.flags()[0]) < set(remote)
    finally:
        library.close()
        rig.close()
