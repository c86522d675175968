"""The offline assistant app works in a network namespace with loopback only: its notebook runs in a real
kernel, a real llama-server on loopback answers first, and when it is killed the in-kernel model answers.
"""

from __future__ import annotations

import os
import sys
import textwrap

import pytest
from test_airgap import airgapped

pytestmark = [pytest.mark.airgap, pytest.mark.server, pytest.mark.model]

SCRIPT = textwrap.dedent('''
    import json, os, signal, socket, sys
    import nbformat
    from nbclient import NotebookClient
    from kit import serve

    try:  # proof that this really runs with no network
        socket.create_connection(("1.1.1.1", 80), 3)
        sys.exit("the namespace reached the internet")
    except OSError:
        pass
    server = serve.start(parallel=1, n_ctx=2048, threads=1, build_if_missing=False)
    try:
        nb = nbformat.read("notebooks/apps/offline_assistant.ipynb", as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        params.source += f"\\nprimary_url = {server.url!r}"
        def cell(source):
            nb.cells.append(nbformat.v4.new_code_cell(source))
            return len(nb.cells) - 1
        ask = "app.ask({q!r}); assert app.wait(300); print(json.dumps([app.answer.tier, app.answer.text]))"
        first = cell("import json\\n" + ask.format(q="How are critical pathology results passed to the ward?"))
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}})
        with client.setup_kernel():
            for index, code in enumerate(nb.cells):
                if index > first:
                    break
                client.execute_cell(code, index)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait()
            second = cell(ask.format(q="What phone do we use when the phones fail?")
                          + "\\napp.record('09:10 network down, paper logging started'); print(len(app.outbox))")
            client.execute_cell(nb.cells[second], second)
        for index in (first, second):
            for output in nb.cells[index].outputs:
                print(output.get("text", "") or output)
    finally:
        server.stop()
''')


def test_the_offline_app_runs_airgapped_and_falls_back_to_the_local_model(kit_home, tmp_path):
    script = tmp_path / "airgap_app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "KIT_HOME": str(kit_home), "KIT_THREADS": "1", "IPYTHONDIR": str(tmp_path / "ipython"),
           "JUPYTER_DATA_DIR": str(tmp_path / "jupyter")}
    run = airgapped(f"{sys.executable} {script}", env, timeout=400)
    out = run.stdout.decode()
    assert run.returncode == 0, (out + run.stderr.decode())[-3000:]
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(lines) == 2, out
    assert lines[0].startswith('["primary", ') and lines[1].startswith('["local", '), lines
    assert out.strip().endswith("1"), out  # the note waits in the outbox
