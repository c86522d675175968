"""Lab's Interrupt (SIGINT to the kernel) during a ``%%kit`` answer or a ``model.chat``: the text so far stays.

The interrupt goes on as ``kit.errors.Interrupted``, a ``KeyboardInterrupt`` (so "Run All" stops there) carrying
the text so far; the cell's output keeps the partial answer marked ``[stopped: interrupted]``, the model stays
usable, and the next call gives what a fresh kernel gives.
"""

from __future__ import annotations

import time

import pytest
from jupyter_client.manager import start_new_kernel

from kit import kernel

pytestmark = pytest.mark.model

SETUP = "import kit\nmodel = kit.load_model(cache=False, log=False, n_ctx=2048)\n"
NEXT = "print(repr(model.chat('Name three rivers in Wales.', max_tokens=24)))"


def _reply(client, msg_id: str, timeout: float = 60) -> dict:
    """The shell reply to ``msg_id`` (a reply left from the kernel's start-up, e.g. a second kernel_info, is skipped)."""
    while True:
        reply = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def _run(client, code: str, timeout: float = 300) -> tuple[dict, list[dict]]:
    """Execute ``code``; return its reply and the IOPub messages it caused."""
    msg_id = client.execute(code)
    messages = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    return _reply(client, msg_id, timeout), messages


def _stdout(messages: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def _interrupt_a_chat(manager, client) -> float:
    """Interrupt a long ``model.chat`` in the kernel; check what it raised; return the seconds to idle."""
    msg_id = client.execute("print('asking', flush=True)\n"
                            "model.chat('Write a very long story about a lighthouse keeper.', max_tokens=1500)")
    while True:  # wait until the call has started, then let it decode a little
        message = client.get_iopub_msg(timeout=300)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    time.sleep(4)  # a few tokens even on a loaded machine (1500 tokens take far longer)
    asked = time.monotonic()
    manager.interrupt_kernel()
    while True:
        message = client.get_iopub_msg(timeout=60)
        if (message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"):
            break
    stopped_in = time.monotonic() - asked
    reply = _reply(client, msg_id)
    assert reply["content"]["ename"] == "Interrupted" and "the text so far is in .partial" in reply["content"]["evalue"]
    _, messages = _run(client, "import sys\nprint(isinstance(sys.last_value, KeyboardInterrupt), "
                               "bool(sys.last_value.partial), model.last.completion_tokens == sys.last_value.tokens)")
    assert _stdout(messages).split() == ["True", "True", "True"]
    return stopped_in


def test_an_interrupted_answer_keeps_its_text_and_the_next_call_matches_a_fresh_kernel():
    manager, client = start_new_kernel(kernel_name=kernel.NAME)
    try:
        _run(client, SETUP + "%load_ext kit\nkit_magics = get_ipython().magics_manager.magics['cell']['kit'].__self__\n"
                     "kit_magics.use(model)")
        msg_id = client.execute("%%kit -f text --max-tokens 1500\nWrite a very long story about a lighthouse keeper.")
        while True:  # wait until the answer is streaming in
            message = client.get_iopub_msg(timeout=300)
            if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "update_display_data":
                break
        asked = time.monotonic()
        manager.interrupt_kernel()
        last = None
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "update_display_data":
                last = message["content"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        stopped_in = time.monotonic() - asked
        reply = _reply(client, msg_id)
        print(f"interrupt to idle: {stopped_in:.2f} s")
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
        assert reply["content"]["evalue"].startswith("Stopped by an interrupt after")
        assert stopped_in < 5.0  # within one second on an idle machine; slack for a loaded test machine
        text = last["data"]["text/plain"]
        assert text.endswith("[stopped: interrupted]") and text.removesuffix("[stopped: interrupted]").strip()
        assert last["metadata"]["stopped"] is True
        _run(client, "import sys\nstopped = sys.last_value")
        reply, messages = _run(client, "print(repr(stopped.partial == kit_magics.last_text != ''))")
        assert _stdout(messages).strip() == "True"  # the error carries the text the cell shows
        stopped_in = _interrupt_a_chat(manager, client)
        print(f"model.chat: interrupt to idle {stopped_in:.2f} s")
        assert stopped_in < 5.0
        reply, messages = _run(client, NEXT, timeout=120)
        assert reply["content"]["status"] == "ok"
        after = _stdout(messages)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    manager, client = start_new_kernel(kernel_name=kernel.NAME)
    try:
        reply, messages = _run(client, SETUP + NEXT)
        assert reply["content"]["status"] == "ok"
        assert _stdout(messages) == after and after.strip()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
