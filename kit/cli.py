"""The ``kit`` command. Errors print one clear line and exit non-zero; no tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from kit.errors import KitError


def _say(*lines: str) -> None:
    for line in lines:
        print(line)


# -- commands ---------------------------------------------------------------------------------
def cmd_doctor(args) -> int:
    from kit import doctor

    report = doctor.report(args.model)
    _say(json.dumps(report, indent=2) if args.json else doctor.format_report(report))
    return 0


def cmd_models_list(args) -> int:
    from kit import models_cli

    _say(models_cli.list_table())
    return 0


def cmd_models_info(args) -> int:
    from kit import models_cli

    _say(models_cli.info(args.name))
    return 0


def cmd_models_add(args) -> int:
    from kit.runtime import models

    resolved = models.add(args.path, name=args.name, copy=args.copy)
    _say(f"Added {resolved.name} -> {resolved.path}", f"Use it with: kit.load_model({resolved.name!r})")
    return 0


def cmd_models_default(args) -> int:
    from kit import config
    from kit.runtime import models

    models.resolve(args.name)  # fails clearly if it does not exist
    config.update(default_model=args.name)
    _say(f"Default model is now {args.name}.")
    return 0


def cmd_models_pull(args) -> int:
    from kit.runtime import pull

    path = pull.pull(args.name, endpoint=args.endpoint, progress=not args.quiet)
    _say(f"{args.name} is ready at {path}")
    return 0


def cmd_models_verify(args) -> int:
    from kit.runtime import pull

    results = [pull.verify(args.name)] if args.name else pull.verify_all()
    if not results:
        _say("No models to verify.")
    for r in results:
        _say(f"{'OK ' if r.ok else 'BAD'} {r.name}  {r.path}" + ("" if r.ok else f"\n    expected {r.expected}\n    found    {r.actual}"))
    return 0 if all(r.ok for r in results) else 1


def cmd_models_quantize(args) -> int:
    from kit.runtime import native, quant_types, quantize

    job = quantize.plan(args.name, args.type, name=args.as_name, allow_requantize=args.allow_requantize,
                        force=args.force)  # checked before any build or work
    if native.tool_path(quantize.TOOL) is None:
        print(f"{quantize.TOOL} is not built yet (this install predates it); building it once now.")
    quantize.tool_path(on_line=native.progress_printer(f"Building {quantize.TOOL}"))
    print(f"Quantising {job.source.name} ({job.source_type or 'unknown type'}) to {job.target.name} -> {job.output}")
    if quant_types.is_quantized(job.source_type):
        print("Note: the source is already quantised, so the result is worse than one made from the F16 original.")
    path = quantize.quantize(args.name, args.type, name=args.as_name, allow_requantize=args.allow_requantize,
                             force=args.force, threads=args.threads, progress=True)
    _say(f"Made {path} ({path.stat().st_size / 1e6:,.1f} MB), registered as {job.name}.",
         f"Use it with: kit.load_model({job.name!r})   (details: kit models info {job.name})")
    return 0


def cmd_build_server(args) -> int:
    from kit.runtime import native

    targets = () if args.libraries else native.TOOLS
    what = "its libraries" if args.libraries else f"its libraries and {', '.join(native.TOOLS)}"
    if args.reuse and native.is_built(targets):
        print(f"llama.cpp is already built for these flags in {native.build_dir()}; reusing it.")
    elif native.libraries_built():
        print(f"Building {', '.join(native.TOOLS)} against the llama.cpp libraries built before (flags: "
              f"{native.cmake_flags()})")
    else:
        print(f"Building llama.cpp once: {what} (llama-cpp-python {native.llama_cpp_version()}, flags: "
              f"{native.cmake_flags()})")
    bin_dir = native.build(args.sdist, on_line=native.progress_printer("Building llama.cpp"), reuse=args.reuse,
                           targets=targets)
    if args.libraries:
        print(f"Libraries in {bin_dir.parent / 'lib'} and {native.package_lib_dir()}; llama-server and the other "
              "tools are built on first use (or now, with `kit build-server`).")
    else:
        print(f"Tools in {bin_dir}; libraries in {bin_dir.parent / 'lib'} and {native.package_lib_dir()}")
    return 0


def cmd_serve(args) -> int:
    from kit import serve

    return serve.serve_forever(model=args.model, host=args.host, port=args.port, parallel=args.parallel,
                               n_ctx=args.ctx, threads=args.threads)


def cmd_logs(args) -> int:
    from kit import runlog

    frame = runlog.logs(args.n)
    if args.json:
        _say(frame.write_json())
        return 0
    if frame.is_empty():
        _say(f"No calls logged yet ({runlog.paths.log_path()}).")
        return 0
    for row in reversed(frame.rows(named=True)):
        text = "(confidential)" if row["confidential"] else (row["response"] or row["error"] or "")
        flag = " cached" if row["cached"] else ""
        _say(f"{row['time']:%Y-%m-%d %H:%M:%S}  {row['kind']:<6} {row['model']}  "
             f"{row['prompt_tokens'] or 0}+{row['completion_tokens'] or 0} tok  {row['latency_s'] or 0:.2f}s{flag}  "
             f"{' '.join(text.split())[:70]}")
    _say(f"Log: {runlog.paths.log_path()}")
    return 0


def cmd_run(args) -> int:
    from kit import runner

    result = runner.run_notebook(args.notebook, dict(args.parameter or []), output_dir=args.output_dir,
                                 progress=not args.quiet)
    _say(f"Executed notebook: {result.output}")
    if result.figures:
        _say("Figures:", runner.format_figures(result.figures))
    return 0


def cmd_compare(args) -> int:
    from kit.comparison import compare, grid, table

    total = []

    def progress(outcome) -> None:
        total.append(outcome)
        _say(f"[{len(total)}] {outcome.status:<7} {outcome.spec.notebook.name}  {outcome.spec.label}  "
             f"{outcome.seconds:.1f} s" + (f"  {outcome.error_name}: {outcome.error}"[:160] if outcome.error_name else ""))

    result = compare(args.notebooks, args.model, grid.parse_cli_parameters(args.parameter), parallel=args.parallel,
                     threads=args.threads, timeout=args.timeout, output_dir=args.output_dir, cache=args.cache,
                     on_done=progress)
    _say(table.format_table(result.table), f"Table: {result.files['wide_csv']}  (and .parquet; long form: "
         f"{result.files['long_parquet'].name})", f"Report: {result.html}", f"Report notebook: {result.notebook}")
    if result.all_failed:
        _say(f"kit: every run failed; see the error column and {result.html}")
        return 1
    return 0


def cmd_transparency(args) -> int:
    from kit import transparency

    written = transparency.draft(args.target, outputs=args.outputs, output_dir=args.output_dir,
                                 formats=args.format, allow_no_run=args.allow_no_run)
    _say(*(f"Wrote {path}" for path in written))
    return 0


def cmd_demo(args) -> int:
    from kit import demo

    return demo.serve(port=args.port, open_browser=not args.no_browser, preheat=not args.no_preheat,
                      allow_hosts=args.allow_host)


def cmd_lab(args) -> int:
    from kit import lab

    return lab.serve(port=args.port, open_browser=not args.no_browser, allow_hosts=args.allow_host)


def cmd_chat(args) -> int:
    import kit

    with kit.load_model(args.model) as model:
        for piece in model.stream(args.prompt, max_tokens=args.max_tokens):
            print(piece, end="", flush=True)
    print()
    return 0


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kit", description="fellowship-kit: local Llama models for public-service prototypes.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = add("doctor", cmd_doctor, "Report Python, the llama.cpp build, CPU/GPU, RAM and the model that would load.")
    p.add_argument("--model", help="a model name or path to check instead of the default")
    p.add_argument("--json", action="store_true", help="print JSON")

    models_parser = sub.add_parser("models", help="List, inspect, add, pull and verify models.")
    msub = models_parser.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    add("list", cmd_models_list, "List the catalog, added models, and which are on disk.", msub)
    p = add("info", cmd_models_info, "Show one model's details.", msub)
    p.add_argument("name")
    p = add("add", cmd_models_add, "Register a local GGUF file.", msub)
    p.add_argument("path")
    p.add_argument("--name", help="name to use (default: the file name)")
    p.add_argument("--copy", action="store_true", help="copy the file into the models folder")
    p = add("pull", cmd_models_pull, "Download a catalog model (resumes; checks SHA-256).", msub)
    p.add_argument("name")
    p.add_argument("--endpoint", help="a Hugging Face mirror (default: KIT_HF_ENDPOINT, HF_ENDPOINT, huggingface.co)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = add("verify", cmd_models_verify, "Check downloaded models against their SHA-256.", msub)
    p.add_argument("name", nargs="?", help="one model (default: all on disk)")
    p = add("quantize", cmd_models_quantize, "Make a smaller quantisation (e.g. Q8_0, Q4_K_M) of a model locally.", msub)
    p.add_argument("name", help="model name or .gguf path to quantise (best an F16 or F32 original)")
    p.add_argument("type", help="target type, e.g. Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, F16")
    p.add_argument("--name", dest="as_name", help="name to register the result under (default: its file name)")
    p.add_argument("--allow-requantize", action="store_true",
                   help="allow a type that is not lower precision than an already quantised source")
    p.add_argument("--force", action="store_true", help="replace an existing output file or name")
    p.add_argument("--threads", type=int, default=None, help="llama-quantize threads (default KIT_THREADS, else all)")
    p = add("default", cmd_models_default, "Make a model the default for kit.load_model().", msub)
    p.add_argument("name")

    p = add("serve", cmd_serve, "Run llama.cpp's llama-server on 127.0.0.1 with parallel slots.")
    p.add_argument("--model", help="model name or path (default: as kit.load_model)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--parallel", type=int, default=4, help="requests served at once (default 4)")
    p.add_argument("--ctx", type=int, default=None, help="context per slot (default 4096)")
    p.add_argument("--threads", type=int, default=None)

    p = add("build-server", cmd_build_server, "Build llama.cpp's libraries (for llama-cpp-python) and llama-server, "
            "llama-bench and llama-quantize from the vendored source, once.")
    p.add_argument("--sdist", help="the llama-cpp-python source archive (default: find or download it)")
    p.add_argument("--reuse", action="store_true",
                   help="skip the compile if this version and these flags are built already (still install the libraries)")
    p.add_argument("--libraries", action="store_true",
                   help="only the libraries llama-cpp-python loads (what `make demo` builds); the tools come later "
                        "from the same build, without compiling the libraries again")

    p = add("logs", cmd_logs, "Print recent model calls from the run log.")
    p.add_argument("-n", type=int, default=20, help="how many (default 20)")
    p.add_argument("--json", action="store_true")

    p = add("run", cmd_run, "Execute a notebook with papermill into the outputs folder.")
    p.add_argument("notebook")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    p.add_argument("--output-dir", help="where the executed notebook goes (default: ./outputs)")
    p.add_argument("--quiet", action="store_true")

    p = add("compare", cmd_compare, "Run notebooks over models x parameter values; write a table and a report.")
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p.add_argument("--model", action="append", help="a model for every notebook's model parameter (repeat; None: default)")
    p.add_argument("-p", "--parameter", nargs="+", action="append", metavar=("NAME", "VALUE"),
                   help="a parameter and the values to try, e.g. -p max_tokens 64 128 (repeat for a grid)")
    p.add_argument("--parallel", type=int, help="runs at once (default: about one per 4 cores)")
    p.add_argument("--threads", type=int, help="KIT_THREADS for each run (default: cores // parallel)")
    p.add_argument("--timeout", type=float, help="seconds before a run is stopped and reported as timed out")
    p.add_argument("--output-dir", help="where runs, tables and reports go (default: ./outputs/compare-TIME)")
    p.add_argument("--cache", action="store_true", help="keep the response cache on in the runs (default: off)")

    p = add("transparency", cmd_transparency,
            "Draft an Algorithmic Transparency Recording Standard record from a notebook's latest kit run.")
    p.add_argument("target", metavar="NOTEBOOK_OR_CAPABILITY",
                   help="a notebook path, or translation, planning, offline, admin (copilot), minutes, triage, quickstart")
    p.add_argument("--outputs", help="the folder holding the notebook's kit runs (default: KIT_OUTPUTS or ./outputs)")
    p.add_argument("--output-dir", help="where the record goes (default: <outputs>/transparency)")
    p.add_argument("--format", default="md,docx", help="md, docx or md,docx (default)")
    p.add_argument("--allow-no-run", action="store_true",
                   help="draft even if the notebook was never run (figures say 'not measured yet')")

    p = add("demo", cmd_demo, "Serve the demo apps with Voila on 127.0.0.1.")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.add_argument("--no-preheat", action="store_true",
                   help="start each app's kernel when it is opened, not in advance (less CPU at start)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer to this host name (repeatable; also KIT_ALLOW_HOSTS=a,b); pages asked "
                        "for under any other name than 127.0.0.1, localhost or [::1] are refused")

    p = add("lab", cmd_lab, "Start JupyterLab on 127.0.0.1 with a token, opening the quickstart (offline settings).")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer to this host name (repeatable; also KIT_ALLOW_HOSTS=a,b)")

    p = add("chat", cmd_chat, "Ask the model one question (streams the answer).")
    p.add_argument("prompt")
    p.add_argument("--model")
    p.add_argument("--max-tokens", type=int, default=256)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kit`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KitError as exc:
        print(f"kit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the edge: one line, never a traceback unless asked for
        if os.environ.get("KIT_DEBUG"):
            raise
        print(f"kit: unexpected error: {type(exc).__name__}: {exc} (set KIT_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
