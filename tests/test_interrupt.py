"""Lab's Interrupt (SIGINT to the kernel) during a ``%%kit`` answer: the text so far stays, the model stays usable.

The interrupt goes on as Jupyter's own ``KeyboardInterrupt`` (so "Run All" stops there); the cell's output keeps
the partial answer marked ``[stopped: interrupted]``, and the next call gives what a fresh kernel gives.
"""

from __future__ import annotations

import time

import pytest
from jupyter_client.manager import start_new_kernel

from kit import kernel

pytestmark = pytest.mark.model

SETUP = "import kit\nmodel = kit.load_model(cache=False, log=False, n_ctx=2048)\n"
NEXT = "print(repr(model.chat('Name three rivers in Wales.', max_tokens=24)))"


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
    return client.get_shell_msg(timeout=timeout), messages


def _stdout(messages: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


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
        reply = client.get_shell_msg(timeout=60)
        print(f"interrupt to idle: {stopped_in:.2f} s")
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert stopped_in < 5.0  # within one second on an idle machine; slack for a loaded test machine
        text = last["data"]["text/plain"]
        assert text.endswith("[stopped: interrupted]") and text.removesuffix("[stopped: interrupted]").strip()
        assert last["metadata"]["stopped"] is True
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
