"""Tests for kit.widgets.app: the app start at the edge, uploads, folders, and the one-job panel."""

import datetime as dt
import threading
from pathlib import Path

import ipywidgets as widgets
import pytest

from kit.errors import InputError
from kit.widgets.app import JobApp, resolve_folder, start_app, uploaded, uploaded_files


def test_start_app_turns_a_failure_into_a_message(capfd):
    def broken():
        raise ImportError("No module named 'voila'")

    shown = start_app("The demo app", broken)
    assert isinstance(shown, widgets.HTML)
    assert "The demo app cannot start." in shown.value and "Reinstall the kit with `make install`." in shown.value
    assert "Traceback" not in shown.value and "Traceback" in capfd.readouterr().err  # the log gets it, not the page
    told = start_app("The demo app", lambda: (_ for _ in ()).throw(InputError("No policies at x.")))
    assert "No policies at x." in told.value and "make install" not in told.value
    ok = widgets.Label("fine")
    assert start_app("The demo app", lambda: ok) is ok


def test_uploads_come_back_as_names_and_bytes():
    upload = widgets.FileUpload(multiple=True)
    assert uploaded(upload) is None and uploaded_files(upload) == []
    now = dt.datetime.now(dt.timezone.utc)
    upload.value = ({"name": "a.txt", "content": memoryview(b"one"), "type": "", "size": 3, "last_modified": now},
                    {"name": "b.eml", "content": memoryview(b"two"), "type": "", "size": 3, "last_modified": now})
    assert uploaded_files(upload) == [("a.txt", b"one"), ("b.eml", b"two")]
    assert uploaded(upload) == ("a.txt", b"one")


def test_resolve_folder_falls_back_to_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = resolve_folder("datasets/offline/docs")  # not here: found from the repository root
    assert found.is_absolute() and found.is_dir() and found.parts[-3:] == ("datasets", "offline", "docs")
    (tmp_path / "mine").mkdir()
    assert resolve_folder("mine") == Path("mine")  # here: as given
    assert resolve_folder("no/such/folder") == Path("no/such/folder")  # nowhere: as given, for the error to name


class Panel(JobApp):
    ACTION = ("Go", "Going...")
    BUSY = "Still going; wait."

    def __init__(self):
        self._init_job(background=True)
        self.button = widgets.Button(description="Go")
        self.progress = widgets.IntProgress(layout=widgets.Layout(display="none"))
        self.status = widgets.Label()
        self.message = widgets.HTML()
        self.out = widgets.HTML()
        super().__init__([self.button, self.progress, self.status, self.message, self.out])


def test_a_panel_runs_one_job_and_says_why_it_did_not_start():
    panel, release, got = Panel(), threading.Event(), []

    def work(request):
        got.append(request)
        panel._show_progress(3, 4, "item 3 of 4")
        panel._show_progress(2, 4, "item 2 of 4")  # a late thread: the bar never steps back
        release.wait(10)

    panel.out.value = "old result"
    assert panel._start(lambda: "inputs", work, clear=(panel.out,))
    assert panel.button.disabled and panel.button.description == "Going..." and panel.out.value == ""
    assert not panel._start(lambda: "again", work)
    assert "Still going; wait." in panel.message.value and "kit-info" in panel.message.value
    release.set()
    assert panel.wait(10)
    assert got == ["inputs"] and panel.progress.value == 3 and panel.status.value == "item 3 of 4"
    assert not panel.button.disabled and panel.button.description == "Go"
    assert panel.progress.layout.display == "none"

    def bad_input():
        raise InputError("There is nothing to do yet. Type something, then press Go.")

    assert not panel._start(bad_input, work)
    assert "nothing to do yet" in panel.message.value and not panel.button.disabled and got == ["inputs"]
    assert panel._start(lambda: None, lambda _: 1 / 0) and panel.wait(10)
    assert "Something went wrong (ZeroDivisionError" in panel.message.value and panel.status.value == ""


def test_stop_ends_the_job_at_its_next_check_and_keeps_what_it_finished():
    panel, done = Panel(), []

    def work(items):
        for item in items:
            if panel.job.cancelled():
                break
            done.append(item)
            panel._show_progress(len(done), len(items), f"item {len(done)} of {len(items)}")
            if len(done) == 3:
                assert panel.stop_button.layout.display is None and not panel.stop_button.disabled
                panel.stop_button.click()  # the user presses Stop while item 3 finishes
        panel.out.value = f"Stopped after {len(done)} of {len(items)}" if panel.job.cancelled() else "Done"

    assert not panel.stop() and panel.stop_button.layout.display == "none"
    assert panel._start(lambda: list(range(100)), work) and panel.wait(10)
    assert done == [0, 1, 2] and panel.out.value == "Stopped after 3 of 100"
    assert panel.status.value == panel.STOPPING and panel.progress.value == 3  # no later progress overwrote it
    assert panel.stop_button.layout.display == "none" and not panel.button.disabled
    done.clear()
    assert panel._start(lambda: list(range(5)), work) and panel.wait(10)  # a new job starts unstopped, until its own Stop
    assert done == [0, 1, 2] and panel.out.value == "Stopped after 3 of 5"


def test_an_upload_over_the_limit_is_a_message_naming_the_limit(monkeypatch):
    from kit.errors import InputError as Refused
    from kit.widgets.app import check_upload, upload_label

    monkeypatch.setenv("KIT_MAX_UPLOAD_BYTES", "1000")
    assert upload_label(".txt") == "(.txt; up to 0.001 MB)"
    check_upload("small.txt", b"x" * 1000)
    with pytest.raises(Refused, match=r"'big.txt' is 1,001 bytes, over the limit of 1,000 bytes.*KIT_MAX_UPLOAD_BYTES"):
        check_upload("big.txt", b"x" * 1001)
