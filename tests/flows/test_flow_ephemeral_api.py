"""Prefect's ephemeral API boots while the CLI imports its flows, and the flow waits for it."""
from __future__ import annotations

import threading

import pytest

from seesaw.flows.process import ephemeral_api


def test_the_ephemeral_api_boots_while_the_block_runs_and_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.server.api import server
    from prefect.settings import PREFECT_API_URL, temporary_settings

    booting, booted = threading.Event(), threading.Event()
    threads: list[str] = []

    class SlowServer:
        def start(self) -> None:
            threads.append(threading.current_thread().name)
            booting.set()
            booted.wait(10)

    monkeypatch.setattr(server, "SubprocessASGIServer", SlowServer)
    monkeypatch.setitem(vars(server), "subprocess", vars(server)["subprocess"])
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with ephemeral_api():
            assert booting.wait(10) and not booted.is_set()  # the block runs while the server boots
            threading.Timer(0.2, booted.set).start()
        assert booted.is_set()  # the block's end waited for it
    assert threads == ["seesaw-prefect-api"]


def test_a_server_that_fails_to_start_fails_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.server.api import server
    from prefect.settings import PREFECT_API_URL, temporary_settings

    class BrokenServer:
        def start(self) -> None:
            raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    monkeypatch.setattr(server, "SubprocessASGIServer", BrokenServer)
    monkeypatch.setitem(vars(server), "subprocess", vars(server)["subprocess"])
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(RuntimeError, match="Timed out"):
        with ephemeral_api():
            pass
