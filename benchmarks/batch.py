#!/usr/bin/env python3
"""Batch throughput: documents per second per core, scaling over workers, memory per worker.

Called by ``benchmarks/run.py`` (section ``batch``) or on its own:

    python benchmarks/batch.py                        # eval corpora, synthetic news at 10^3, 10^4, 10^5
    python benchmarks/batch.py --sizes 1000,10000     # leave out 10^5 (about 25 minutes on 2 cores)
    python benchmarks/batch.py --json batch.json

Three tables:

- **per core**: on LGL, GeoVirus and 1,000 synthetic news reports, in one
  process pinned to one CPU: the geoparsing stages (recognition and
  resolution, as ``situation-map eval`` runs them) and the whole batch path
  (``run_batch`` with one worker: reading, the pipeline, rows, GeoParquet and
  GeoJSON Lines), in documents per CPU-second, with the batch layer's own
  share of the time.
- **scaling**: ``situation-map batch`` in a fresh process on synthetic news
  at each size, with the local process pool at 1 and 2 workers and Dask
  (a local cluster of 2 worker processes): wall time, documents/s, speedup
  over 1 worker, and peak memory (RSS, and USS: the pages a worker does not
  share) of the largest worker, sampled every 0.2 s.
- the hot spots, when ``--profile`` is given and py-spy is installed: py-spy
  records one pinned process mapping 1,000 synthetic reports and the top
  functions (own time) are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path[:0] = [str(ROOT), str(HERE)]

DEFAULT_SIZES = (1_000, 10_000, 100_000)


def _helpers():
    import run

    return run


def write_news(path: Path, count: int) -> Path:
    from synthetic import synthetic_news

    with open(path, "w", encoding="utf-8") as fh:
        for record in synthetic_news(count):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _predict_rate(path: Path, limit: int | None) -> dict:
    """Recognition and resolution (``mapping.evaluate.predict``) on one pinned core: documents per CPU-second."""
    from mapping.evaluate import predict
    from mapping.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    gaz.index  # noqa: B018
    docs = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()][:limit]
    for doc in docs[:20]:  # warm the caches a first report fills
        predict(doc["text"], gaz)
    cpu = time.process_time()
    for doc in docs:
        predict(doc["text"], gaz)
    seconds = time.process_time() - cpu
    return {"documents": len(docs), "cpu_s": seconds, "docs_per_cpu_s": len(docs) / seconds}


def _batch_rate(path: Path, limit: int | None) -> dict:
    """The whole batch path with one worker in this pinned process: documents per CPU-second, stage shares."""
    from mapping.batch import init_worker, run_batch, BatchOptions

    init_worker(BatchOptions())
    with tempfile.TemporaryDirectory(prefix="sm-bench-") as tmp:
        source = Path(tmp) / "in.jsonl"
        with open(path, encoding="utf-8") as src, open(source, "w", encoding="utf-8") as dst:
            for n, line in enumerate(src):
                if limit and n >= limit:
                    break
                dst.write(line)
        cpu = time.process_time()
        result = run_batch(source, Path(tmp) / "out", workers=1, progress=False, log=lambda *a: None)
        seconds = time.process_time() - cpu
        size = sum(p.stat().st_size for p in Path(tmp, "out").rglob("part-*"))
    t = result.timings
    overhead = t.get("read", 0) + t.get("rows", 0) + t.get("encode", 0)
    return {"documents": result.written, "cpu_s": seconds, "docs_per_cpu_s": result.written / seconds,
            "pipeline_s": t.get("map", 0.0), "batch_layer_s": overhead,
            "batch_layer_share": overhead / max(t.get("wall", 1e-9), 1e-9), "features": result.features,
            "output_mb": size / 1e6}


def _sample_memory(pid: int, peaks: dict) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for proc in processes:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        entry = peaks.setdefault(proc.pid, {"rss": 0.0, "uss": 0.0, "root": proc.pid == pid})
        entry["rss"] = max(entry["rss"], info.rss / 2**20)
        entry["uss"] = max(entry["uss"], info.uss / 2**20)


def run_cli(source: Path, out: Path, workers: int, engine: str = "local") -> dict:
    """``situation-map batch`` in a fresh process (from the checkout): wall time and memory of its workers."""
    argv = [sys.executable, "-m", "mapping", "batch", str(source), "-o", str(out), "--workers", str(workers),
            "--engine", engine, "-q", "--overwrite"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    peaks: dict = {}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None:
        _sample_memory(proc.pid, peaks)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err[-500:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    last = manifest["last_run"]
    # Workers: the processes that did the mapping (the largest ones; a Dask nanny or a tracker is small).
    others = sorted((p for p in peaks.values() if not p["root"]), key=lambda p: -p["rss"])
    workers_mem = others[:workers] if engine == "dask" or workers > 1 else [p for p in peaks.values() if p["root"]]
    return {"engine": engine, "workers": workers, "documents": last["written"], "wall_s": wall,
            "docs_per_s": last["written"] / wall, "cpu_s": last["timings"].get("cpu", 0.0),
            "worker_rss_mb": max((p["rss"] for p in workers_mem), default=None),
            "worker_uss_mb": max((p["uss"] for p in workers_mem), default=None),
            "main_rss_mb": max((p["rss"] for p in peaks.values() if p["root"]), default=None)}


def profile(source: Path, seconds_out: Path | None = None, top: int = 25) -> dict | None:
    """py-spy's own-time hot spots of one process mapping ``source`` with one worker."""
    import shutil

    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        return None
    with tempfile.TemporaryDirectory(prefix="sm-spy-") as tmp:
        raw = Path(tmp) / "profile.txt"
        code = ("import sys; from mapping.batch import run_batch; "
                f"run_batch({str(source)!r}, {str(Path(tmp) / 'out')!r}, workers=1, progress=False, log=lambda *a: None)")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([py_spy, "record", "--format", "raw", "--rate", "200", "-o", str(raw), "--",
                        sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        text = raw.read_text(encoding="utf-8")
        if "process_chunk" not in text:
            raise RuntimeError("the profiled run mapped nothing (py-spy recorded no process_chunk frame)")
        if seconds_out:
            seconds_out.write_text(text, encoding="utf-8")
    return hot_spots(text, top)


#: Stages whose inclusive share the profile table gives (function name, file), in pipeline order.
STAGES = (("extract", "mapping/language/extract.py"), ("resolve", "mapping/resolution/resolve.py"), ("find_events", "mapping/language/events.py"),
          ("build_situation", "mapping/situation.py"), ("_mark_context", "mapping/situation.py"),
          ("_read", "mapping/batch.py"), ("_add_rows", "mapping/batch.py"), ("_encode", "mapping/batch.py"),
          ("init_worker", "mapping/batch.py"))


def hot_spots(raw: str, top: int = 25) -> dict:
    """py-spy raw samples -> inclusive share of each stage and the top functions by own time."""
    import re

    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
    total = total or 1
    stages = [(f"{name} ({path})", inclusive.get(f"{name} ({path})", 0) / total) for name, path in STAGES]
    functions = [(name or "(native, no Python frame)", n / total)
                 for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    return {"samples": total, "stages": stages, "own": functions}


def bench_batch(args, results, sizes=None) -> None:
    run = _helpers()
    sizes = sizes or tuple(getattr(args, "batch_sizes", None) or DEFAULT_SIZES)
    run._print("\n## Batch: documents per second per core, scaling over workers, memory per worker\n")
    corpora = run._corpus_dir(args)
    limit = getattr(args, "docs", None)
    with tempfile.TemporaryDirectory(prefix="sm-batch-") as tmp:
        tmp = Path(tmp)
        inputs = {}
        for name in ("lgl", "geovirus"):
            if corpora and (corpora / f"{name}.jsonl").is_file():
                inputs[name] = corpora / f"{name}.jsonl"
        inputs["synthetic news"] = write_news(tmp / "per-core-news.jsonl", 1000)
        rows, figures = [], {}
        previous = run._pin_one_core()
        try:
            for name, path in inputs.items():
                geoparse = _predict_rate(path, limit)
                whole = _batch_rate(path, limit)
                figures[name] = {"geoparse": geoparse, "batch": whole}
                rows.append([name, geoparse["documents"], run._fmt(geoparse["docs_per_cpu_s"], 0),
                             run._fmt(whole["docs_per_cpu_s"], 0), run._fmt(whole["pipeline_s"], 1),
                             f"{100 * whole['batch_layer_share']:.0f} %", run._fmt(whole["output_mb"], 1)])
        finally:
            run._restore_affinity(previous)
        run._print(_table_note("one core (pinned); documents per CPU-second"))
        run._print(run._table(["corpus", "docs", "geoparsing stages", "whole batch path", "pipeline s",
                               "batch layer share", "output MB"], rows))
        results["batch_per_core"] = figures

        scaling, rows = [], []
        for size in sizes:
            source = write_news(tmp / f"news-{size}.jsonl", size)
            configs = [("local", 1), ("local", 2), ("dask", 2)]
            if size >= 100_000 and not getattr(args, "batch_all_engines", False):
                configs = [("local", 2)]  # one measurement of the largest size (about 25 minutes)
            base = None
            for engine, workers in configs:
                try:
                    figure = run_cli(source, tmp / f"out-{size}-{engine}-{workers}", workers, engine)
                except (RuntimeError, ImportError) as err:
                    run._print(f"  {engine} x{workers} at {size:,}: {err}")
                    continue
                figure["size"] = size
                scaling.append(figure)
                if engine == "local" and workers == 1:
                    base = figure["docs_per_s"]
                rows.append([f"{size:,}", engine, workers, run._fmt(figure["wall_s"], 1), run._fmt(figure["docs_per_s"], 0),
                             run._fmt(figure["docs_per_s"] / workers, 0),
                             run._fmt(figure["documents"] / figure["cpu_s"], 0) if figure["cpu_s"] else "n/a",
                             f"{figure['docs_per_s'] / base:.2f}x" if base else "n/a",
                             run._fmt(figure["worker_rss_mb"], 0), run._fmt(figure["worker_uss_mb"], 0)])
            (tmp / f"news-{size}.jsonl").unlink()
            run._print(f"  ... {size:,} documents done (load average {run._loadavg()})")
        run._print("\nWhole `situation-map batch` runs on synthetic news (fresh process each; wall time includes start-up "
                   "and the gazetteer load):\n")
        run._print(run._table(["docs", "engine", "workers", "wall s", "docs/s", "docs/s per worker", "docs per worker CPU-s", "speedup",
                               "worker RSS MB", "worker USS MB"], rows))
        results["batch_scaling"] = scaling
        if getattr(args, "profile", False):
            hot = profile(inputs["synthetic news"])
            if hot is None:
                run._print("\npy-spy is not installed: no profile (pip install py-spy)")
            else:
                run._print(f"\nWhere the time goes (py-spy, {hot['samples']:,} samples, 1,000 synthetic reports, one "
                           "worker, start-up included): stages, inclusive\n")
                run._print(run._table(["stage", "share"], [[n, f"{100 * v:.1f} %"] for n, v in hot["stages"]]))
                run._print("\nTop functions by own time:\n")
                run._print(run._table(["function (file)", "share"], [[n, f"{100 * v:.1f} %"] for n, v in hot["own"]]))
                results["batch_profile"] = hot


def _table_note(text: str) -> str:
    return f"Per core ({text}):\n"


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="synthetic news sizes, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--docs", type=int, help="documents per eval corpus (default all)")
    parser.add_argument("--eval-dir", help="folder with lgl.jsonl and geovirus.jsonl (default ../shared/eval)")
    parser.add_argument("--all-engines", action="store_true", help="every engine at 10^5 too, not only 2 local workers")
    parser.add_argument("--profile", action="store_true", help="also profile with py-spy and print the hot spots")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON")
    args = parser.parse_args(argv)
    args.batch_sizes = tuple(int(x.replace("_", "")) for x in args.sizes.split(",")) if args.sizes else DEFAULT_SIZES
    args.batch_all_engines = args.all_engines
    run = _helpers()
    run._no_network()
    results: dict = {}
    bench_batch(args, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
