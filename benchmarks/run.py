#!/usr/bin/env python3
"""situation-map benchmarks: speed and size, beside what users would pick instead.

Run from the checkout (the package is imported from it, not from site-packages):

    python benchmarks/run.py                      # every section, prints Markdown tables
    python benchmarks/run.py --quick              # fewer repeats, 100 documents per corpus
    python benchmarks/run.py --only cold,scale    # some sections: cold geoparse gazetteer scale growth batch
    python benchmarks/run.py --only batch --batch-sizes 1000,10000,100000   # batch at 10^5 too (about 25 min more)
    python benchmarks/run.py --json results.json  # also write the raw figures

These are measurements, not tests: nothing here fails on a slow figure; the
last table says which targets of issue 8 are met. Nothing touches the
network: socket connections other than local ones are refused in this
process, the maps are offline pages, and Chromium runs with background
networking off. Optional peers (geotext, spaCy) come from
``benchmarks/requirements.txt``; a peer that is not installed is skipped
with a note.
"""

from __future__ import annotations

import os

# One thread per numerical library, so that "one core" means one core (set before numpy loads).
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
_ORIGINAL_ENV = dict(os.environ)
for _var in _THREAD_VARS:
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

EXAMPLE = ROOT / "data" / "examples" / "southern-syria-briefing.txt"
SECTIONS = ("cold", "geoparse", "gazetteer", "scale", "growth", "batch")
CORPORA = ("lgl", "geovirus")
#: Cost per KB at the largest input may be this many times the cost at 1x and still count as linear.
LINEAR_SLACK = 1.25


# --- no network ------------------------------------------------------------------

def _no_network():
    """Refuse socket connections that leave the machine, in this process."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def local(sock, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return True
        host = address[0] if isinstance(address, tuple) else address
        return host in ("localhost", "::1") or str(host).startswith("127.")

    def connect(sock, address):
        if not local(sock, address):
            raise ConnectionRefusedError(f"benchmarks never use the network (refused {address!r})")
        return original_connect(sock, address)

    def connect_ex(sock, address):
        if not local(sock, address):
            raise ConnectionRefusedError(f"benchmarks never use the network (refused {address!r})")
        return original_connect_ex(sock, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


# --- helpers -----------------------------------------------------------------------

def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc."""
    values = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    values[key] = int(value.split()[0]) / 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _child_env() -> dict:
    """The caller's environment (without our thread limits) with the checkout first on the path."""
    env = dict(_ORIGINAL_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [_ORIGINAL_ENV.get("PYTHONPATH")])])
    return env


def _timed_process(argv, cwd) -> dict:
    """Run ``argv``; wall time from spawn to exit and its own peak RSS (wait4's rusage)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=_child_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {proc.returncode}: {stderr.decode(errors='replace')[-400:]}")
    return {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime}


def _pin_one_core():
    """Run on one CPU until restored; returns the previous affinity (or None where unsupported)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(previous)})
    return previous


def _restore_affinity(previous):
    if previous is not None:
        os.sched_setaffinity(0, previous)


def _fmt(value, digits=2, unit=""):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (isinstance(value, float) and value >= 1000):
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}f}{unit}"


def _table(headers, rows) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines)


def _print(*parts):
    print(*parts, flush=True)


# --- cold start ----------------------------------------------------------------------

def bench_cold(args, results):
    _print("\n## Cold start (new process each run, warm disk cache)\n")
    repeats = args.repeat or (2 if args.quick else 5)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="sm-bench-cold-") as tmp:
        commands = {
            "python -c pass": [py, "-c", "pass"],
            'python -c "import geopandas, folium"': [py, "-c", "import geopandas, folium"],
            "situation-map map EXAMPLE -o x.html --geojson x.geojson": [
                py, "-m", "mapping", "map", str(EXAMPLE), "-o", "x.html", "--geojson", "x.geojson", "-q"],
        }
        runs = {name: [] for name in commands}
        for name, argv in commands.items():  # one unrecorded run each, to warm the disk cache
            _timed_process(argv, tmp)
        for _ in range(repeats):  # interleaved, so drift hits every command alike
            for name, argv in commands.items():
                runs[name].append(_timed_process(argv, tmp))
        html = Path(tmp, "x.html")
        html_kb = html.stat().st_size / 1024 if html.exists() else None
    rows, figures = [], {}
    for name, samples in runs.items():
        walls = [s["wall_s"] for s in samples]
        fig = {"wall_median_s": statistics.median(walls), "wall_min_s": min(walls),
               "peak_rss_mb": max(s["peak_rss_mb"] for s in samples),
               "cpu_median_s": statistics.median(s["cpu_s"] for s in samples), "runs": len(samples)}
        figures[name] = fig
        rows.append([name, _fmt(fig["wall_median_s"]), _fmt(fig["wall_min_s"]), _fmt(fig["cpu_median_s"]),
                     _fmt(fig["peak_rss_mb"], 0)])
    cli = figures["situation-map map EXAMPLE -o x.html --geojson x.geojson"]
    imports = figures['python -c "import geopandas, folium"']
    added = cli["wall_median_s"] - imports["wall_median_s"]
    rows.append(["our code over the imports", _fmt(added), _fmt(cli["wall_min_s"] - imports["wall_min_s"]),
                 _fmt(cli["cpu_median_s"] - imports["cpu_median_s"]), _fmt(cli["peak_rss_mb"] - imports["peak_rss_mb"], 0)])
    _print(_table(["command", "wall s (median)", "wall s (min)", "CPU s (median)", "peak RSS MB"], rows))
    _print(f"\n{repeats} runs each; EXAMPLE = data/examples/{EXAMPLE.name} ({EXAMPLE.stat().st_size:,} bytes); "
           f"`situation-map` runs as `python -m mapping` from the checkout; HTML written: {_fmt(html_kb, 0)} KB.")
    results["cold"] = {"commands": figures, "added_s": added, "html_kb": html_kb}


# --- geoparsing throughput and accuracy -----------------------------------------------------

def _corpus_dir(args) -> Path | None:
    for candidate in filter(None, [args.eval_dir, ROOT.parent / "shared" / "eval", Path("/work/shared/eval")]):
        if Path(candidate, "lgl.jsonl").is_file() or Path(candidate, "geovirus.jsonl").is_file():
            return Path(candidate)
    return None


def _load_corpus(path: Path, limit: int | None):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
                if limit and len(docs) >= limit:
                    break
    return docs


def bench_geoparse(args, results):
    from scoring import new_score
    from systems import SituationMap, SituationMapFull, peer_systems

    _print("\n## Geoparsing: throughput after loading, recognition F1, acc@161\n")
    folder = _corpus_dir(args)
    if folder is None:
        _print("Skipped: no corpus (lgl.jsonl, geovirus.jsonl) in ../shared/eval; give --eval-dir.")
        results["geoparse"] = {"skipped": "no corpus"}
        return
    limit = args.docs or (100 if args.quick else None)
    corpora = {name: _load_corpus(folder / f"{name}.jsonl", limit) for name in CORPORA if (folder / f"{name}.jsonl").is_file()}

    systems, skipped = [], []
    for cls in (SituationMap, SituationMapFull):
        ours = cls()
        started = time.perf_counter()
        ours.load()
        ours.load_seconds = time.perf_counter() - started
        systems.append(ours)
    if not args.no_peers:
        peers, skipped = peer_systems()
        systems += peers

    rows, figures = [], []
    for system in systems:
        for corpus, docs in corpora.items():
            texts = [d["text"] for d in docs]
            megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
            gc.collect()
            previous = _pin_one_core()
            try:
                started, cpu_started = time.perf_counter(), time.process_time()
                predictions = system.parse_all(texts)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                # The same documents again: what a long batch sees once its look-ups and places are kept.
                cpu_started = time.process_time()
                system.parse_all(texts)
                cpu_again = time.process_time() - cpu_started
            finally:
                _restore_affinity(previous)
            score = new_score()
            for doc, predicted in zip(docs, predictions):
                score.add(doc["toponyms"], predicted)
            fig = {
                "system": system.name, "note": system.note, "corpus": corpus, "docs": len(docs), "mb": megabytes,
                "load_s": system.load_seconds, "seconds": elapsed, "cpu_seconds": cpu, "docs_per_s": len(docs) / elapsed,
                "docs_per_cpu_s": len(docs) / cpu if cpu else None,
                "docs_per_cpu_s_again": len(docs) / cpu_again if cpu_again else None,
                "mb_per_s": megabytes / elapsed, "p_exact": score.precision("exact"), "r_exact": score.recall("exact"),
                "f1_exact": score.f1("exact"), "f1_overlap": score.f1("overlap"), "acc161": score.acc161(),
                "acc161_e2e": score.acc161_e2e(), "median_km": score.median_km(), "gold": score.gold,
                "predicted": score.predicted, "paired": score.paired, "errors": getattr(system, "errors", 0),
                "scorer": score.name,
            }
            figures.append(fig)
            rows.append([system.name, corpus, fig["docs"], _fmt(megabytes, 2), _fmt(fig["load_s"]),
                         _fmt(fig["docs_per_s"], 1), _fmt(fig["docs_per_cpu_s"], 1), _fmt(fig["docs_per_cpu_s_again"], 1),
                         _fmt(fig["mb_per_s"], 3), _fmt(fig["p_exact"]), _fmt(fig["r_exact"]),
                         _fmt(fig["f1_exact"]), _fmt(fig["f1_overlap"]), _fmt(fig["acc161"]), _fmt(fig["acc161_e2e"]),
                         _fmt(fig["median_km"], 0), f"{fig['paired']}/{fig['gold']}"])
    _print(_table(["system", "corpus", "docs", "MB", "load s", "docs/s", "docs/CPU-s", "again", "MB/s", "P exact", "R exact", "F1 exact",
                   "F1 overlap", "acc@161", "acc@161 e2e", "median km", "paired/gold"], rows))
    scorer = figures[0]["scorer"] if figures else "n/a"
    _print(f"\nOne core (process pinned to one CPU, one thread per numerical library), after loading (load s: "
           f"gazetteer, models, warm-up). again: docs/CPU-s of a second pass over the same documents, which "
           f"finds the look-ups, places and derived areas that the first kept (as a long batch does). A prediction is a mention recognised and located; every system is scored "
           f"by {scorer}: exact and overlapping spans; acc@161 and median error over the overlap-paired gold "
           f"toponyms, acc@161 e2e over all gold toponyms.")
    for system in systems:
        _print(f"- {system.name}: {system.note}")
        if getattr(system, "errors", 0):
            _print(f"  {system.errors} documents raised an error (last: {system.last_error})")
    for note in skipped:
        _print(f"- {note}")
    results["geoparse"] = {"corpora": str(folder), "limit": limit, "figures": figures, "skipped": skipped}


# --- gazetteer --------------------------------------------------------------------

def _gazetteer_child(lookups: int) -> dict:
    """Runs in a fresh process: load the bundled gazetteer, build its index, look names up."""
    import random

    t0 = time.perf_counter()
    import shapely.geometry  # noqa: F401  (the geometry library is the packs' cost, counted apart)
    import mapping.gazetteer.places as gz

    imported = time.perf_counter()
    rss0, _ = _rss_mb()
    gazetteer = gz.default_gazetteer()
    loaded = time.perf_counter()
    rss1, _ = _rss_mb()
    gazetteer.index  # noqa: B018  (the curated name index, built on first use)
    indexed = time.perf_counter()
    rss2, peak = _rss_mb()
    out = {"places": len(gazetteer), "import_s": imported - t0, "load_s": loaded - imported,
           "index_s": indexed - loaded, "load_rss_mb": rss1 - rss0, "index_rss_mb": rss2 - rss1,
           "rss_after_mb": rss2, "peak_rss_mb": peak,
           "packs_mb": sum(p.stat().st_size for p in gz.bundled_pack_paths()) / 1e6}
    names = [name for place in gazetteer for name in place.names]
    world = getattr(gazetteer, "world", None)
    if world is not None:  # the GeoNames world index behind the curated packs (mapping.gazetteer.world)
        import mapping.gazetteer.world as mw

        last = dict(getattr(mw, "LAST_LOAD", {}))
        store = mw.shipped_store_path()
        out.update(world_records=len(world), world_keys=len(getattr(world, "keys", ())),
                   world_load_s=last.get("seconds"),
                   world_store_mb=sum(f.stat().st_size for f in store.iterdir() if f.is_file()) / 1e6)
        names += [world.name[i] for i in range(0, len(world), 7)]  # a sample: every name would be 272,000 strings
    rng = random.Random(8)
    hits = [rng.choice(names) for _ in range(lookups)]
    misses = [f"Nowhere {i}" for i in range(lookups)]
    t = time.perf_counter()
    for name in hits:
        gazetteer.lookup(name)
    hit_s = time.perf_counter() - t
    t = time.perf_counter()
    for name in hits:  # again: world records are materialised as Place objects on first use
        gazetteer.lookup(name)
    hit_again_s = time.perf_counter() - t
    t = time.perf_counter()
    for name in misses:
        gazetteer.lookup(name)
    miss_s = time.perf_counter() - t
    out.update(names=len(names), keys=len(gazetteer.index) + out.get("world_keys", 0),
               hit_lookups_per_s=lookups / hit_s, hit_again_lookups_per_s=lookups / hit_again_s,
               miss_lookups_per_s=lookups / miss_s, lookups=lookups)
    return out


def bench_gazetteer(args, results):
    _print("\n## Gazetteer (fresh process)\n")
    lookups = 50_000 if args.quick else 200_000
    repeats = 1 if args.quick else 3
    samples = []
    for i in range(repeats):
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "gazetteer", "--lookups", str(lookups)],
                             env=_child_env(), capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"gazetteer child failed: {out.stderr[-600:]}")
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(samples, key=lambda s: s["load_s"] + s["index_s"])
    fig = dict(best)
    fig["load_s_median"] = statistics.median(s["load_s"] for s in samples)
    fig["index_s_median"] = statistics.median(s["index_s"] for s in samples)
    rows = [
        ["curated places / names looked up / index keys", f"{fig['places']:,} / {fig['names']:,} / {fig['keys']:,}"],
        ["bundled packs on disk", f"{fig['packs_mb']:.2f} MB"],
    ]
    if "world_records" in fig:
        rows.append(["world store (shipped, memory-mapped): records / keys / on disk",
                     f"{fig['world_records']:,} / {fig['world_keys']:,} / {_fmt(fig.get('world_store_mb'))} MB"])
    rows += [
        ["import shapely + mapping.gazetteer.places", f"{fig['import_s']:.3f} s"],
        ["load: default_gazetteer() (packs + world index)", f"{fig['load_s']:.3f} s (median {fig['load_s_median']:.3f})"],
    ]
    if fig.get("world_load_s") is not None:
        rows.append(["  of which the world store", f"{fig['world_load_s']:.3f} s"])
    rows += [
        ["curated name index build (first lookup)", f"{fig['index_s']:.3f} s (median {fig['index_s_median']:.3f})"],
        ["load + index", f"{fig['load_s'] + fig['index_s']:.3f} s"],
        ["memory added by load + index (RSS)", f"{fig['load_rss_mb'] + fig['index_rss_mb']:.0f} MB"],
        ["process peak RSS after load", f"{fig['peak_rss_mb']:.0f} MB"],
        ["Gazetteer.lookup, names it holds (first time)", f"{fig['hit_lookups_per_s']:,.0f} /s"],
        ["Gazetteer.lookup, the same names again", f"{fig['hit_again_lookups_per_s']:,.0f} /s"],
        ["Gazetteer.lookup, unknown names", f"{fig['miss_lookups_per_s']:,.0f} /s"],
    ]
    _print(_table(["what", "figure"], rows))
    _print(f"\nBest of {repeats} fresh processes; {lookups:,} lookups each of random held names (curated and "
           f"world) and of unknown names.")
    results["gazetteer"] = {"best": fig, "samples": samples}


# --- scale of the map -------------------------------------------------------------------

def _chromium(args):
    from chromium import find_chromium

    return None if args.no_browser else find_chromium(args.chromium)


def _render_in_browser(path, browser, results_row):
    from chromium import first_render

    if browser is None:
        return
    try:
        results_row["browser"] = first_render(path, browser)
    except Exception as err:  # keep the other figures; say what failed
        results_row["browser_error"] = f"{type(err).__name__}: {err}"


def bench_scale(args, results):
    from synthetic import synthetic_situation
    from mapping.output.render import render_html

    _print("\n## Scale of the map: synthetic situations (Feature objects built directly)\n")
    browser = _chromium(args)
    sizes = [(10_000, 500)] if args.quick else [(100, 5), (1_000, 50), (10_000, 500)]
    rows, figures = [], []
    # The first render in a process imports folium and loads the gazetteer for the basemap: timed apart.
    t = time.perf_counter()
    render_html(synthetic_situation(10, 1))
    warmup_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="sm-bench-scale-") as tmp:
        for events, polygons in sizes:
            gc.collect()
            t0 = time.perf_counter()
            situation = synthetic_situation(events, polygons)
            t1, c1 = time.perf_counter(), time.process_time()
            html = render_html(situation)
            t2, c2 = time.perf_counter(), time.process_time()
            geojson = situation.to_geojson()
            t3 = time.perf_counter()
            path = Path(tmp, f"scale-{events}.html")
            path.write_text(html, encoding="utf-8")
            fig = {"events": events, "polygons": polygons, "features": len(situation.features),
                   "build_s": t1 - t0, "render_html_s": t2 - t1, "render_html_cpu_s": c2 - c1, "total_s": t2 - t0,
                   "html_mb": len(html.encode("utf-8")) / 1e6, "to_geojson_s": t3 - t2,
                   "geojson_mb": len(geojson.encode("utf-8")) / 1e6}
            del html, geojson, situation
            _render_in_browser(path, browser, fig)
            figures.append(fig)
            b = fig.get("browser", {})
            rows.append([f"{events:,} events + {polygons:,} polygons", _fmt(fig["build_s"]), _fmt(fig["render_html_s"]),
                         _fmt(fig["render_html_cpu_s"]),
                         _fmt(fig["total_s"]), _fmt(fig["html_mb"]), _fmt(fig["to_geojson_s"]), _fmt(fig["geojson_mb"]),
                         _fmt(b.get("first_render_s")) if b else ("skipped" if browser is None else "failed"),
                         (f"{b['features']:,} ({b['markers']:,} SVG, {b['paths']:,} paths"
                          f"{', canvas' if b.get('canvas') else ''}), {b['labels']:,} names") if b else "n/a"])
    _print(_table(["situation", "build s", "render_html s", "render_html CPU s", "built s", "HTML MB", "to_geojson s", "GeoJSON MB",
                   "first render s", "features drawn, basemap names shown"], rows))
    _print("\nbuild = report text, Feature and Situation objects (8 actors' layers, 8 event kinds, "
           "48-vertex polygons; benchmarks/synthetic.py); built = build + render_html (the page as a string). "
           "first render = headless Chromium, navigation start to the first frame after the load event. "
           f"Not included: the first render_html in a process (folium import, gazetteer for the basemap), {warmup_s:.2f} s.")
    _browser_note(browser, figures)
    results["scale"] = {"figures": figures, "chromium": browser, "first_render_html_s": warmup_s}


def _browser_note(browser, figures):
    if browser is None:
        _print("Chromium: not found (or --no-browser); first render skipped.")
        return
    startups = [f["browser"]["startup_s"] for f in figures if "browser" in f]
    if startups:
        _print(f"Chromium start-up to an open tab, not included above: {statistics.median(startups):.2f} s (median).")
    for f in figures:
        if "browser_error" in f:
            _print(f"Chromium failed: {f['browser_error']}")
        elif f.get("browser", {}).get("js_errors"):
            _print(f"{f['browser']['js_errors']} JavaScript errors on a page.")


# --- growth with the input ----------------------------------------------------------------------

def bench_growth(args, results):
    import mapping
    from mapping import pipeline
    from mapping.output.render import render_html
    from synthetic import repeated_report

    _print("\n## Growth: the example report repeated 1x, 10x, 100x\n")
    browser = _chromium(args)
    gazetteer = mapping.default_gazetteer()
    pipeline.run(repeated_report(EXAMPLE, 1), gazetteer)  # warm-up: lazy imports, index
    factors = (1, 10) if args.quick else (1, 10, 100)
    rows, figures = [], []
    with tempfile.TemporaryDirectory(prefix="sm-bench-growth-") as tmp:
        for factor in factors:
            report = repeated_report(EXAMPLE, factor)
            kb = len(report.text.encode("utf-8")) / 1024
            runs = 1 if factor >= 100 or args.quick else 3
            timings, cpu_timings, situation = [], [], None
            for _ in range(runs):
                gc.collect()
                t, c = time.perf_counter(), time.process_time()
                situation = pipeline.run(report, gazetteer)
                timings.append(time.perf_counter() - t)
                cpu_timings.append(time.process_time() - c)
            t = time.perf_counter()
            html = render_html(situation)
            render_s = time.perf_counter() - t
            path = Path(tmp, f"growth-{factor}.html")
            path.write_text(html, encoding="utf-8")
            fig = {"factor": factor, "kb": kb, "pipeline_s": min(timings), "pipeline_cpu_s": min(cpu_timings),
                   "ms_per_kb": 1000 * min(cpu_timings) / kb,
                   "mentions": len(situation.resolutions), "features": len(situation.features),
                   "render_html_s": render_s, "html_kb": len(html.encode("utf-8")) / 1024}
            _render_in_browser(path, browser, fig)
            figures.append(fig)
            b = fig.get("browser", {})
            rows.append([f"{factor}x", _fmt(kb, 1), _fmt(fig["pipeline_s"], 3), _fmt(fig["pipeline_cpu_s"], 3),
                         _fmt(fig["ms_per_kb"], 1),
                         fig["mentions"], fig["features"], _fmt(fig["render_html_s"], 3), _fmt(fig["html_kb"], 0),
                         _fmt(b.get("first_render_s")) if b else ("skipped" if browser is None else "failed")])
    _print(_table(["input", "KB", "pipeline s", "pipeline CPU s", "CPU ms per KB", "mentions", "features", "render_html s", "HTML KB",
                   "first render s"], rows))
    first, last = figures[0], figures[-1]
    ratio = last["ms_per_kb"] / first["ms_per_kb"] if first["ms_per_kb"] else None
    _print(f"\npipeline = read report + pipeline.run with the gazetteer loaded (best of 3 below 100x). "
           f"CPU time per KB at {last['factor']}x is {ratio:.2f}x that at 1x "
           f"({'linear' if ratio is not None and ratio <= LINEAR_SLACK else 'worse than linear'}, "
           f"counting up to {LINEAR_SLACK}x as linear).")
    _browser_note(browser, figures)
    results["growth"] = {"figures": figures, "per_kb_ratio": ratio}


# --- targets ------------------------------------------------------------------------

def _targets(results) -> list[list[str]]:
    rows = []

    def add(target, figure, met):
        rows.append([target, figure, "n/a" if met is None else ("met" if met else "MISSED")])

    cold = results.get("cold")
    if cold:
        commands = cold["commands"]
        cli = commands["situation-map map EXAMPLE -o x.html --geojson x.geojson"]
        imports = commands['python -c "import geopandas, folium"']
        added = cli["wall_min_s"] - imports["wall_min_s"]
        add("cold CLI run < 1.5 s", f"{cli['wall_min_s']:.2f} s best, {cli['wall_median_s']:.2f} s median",
            cli["wall_min_s"] < 1.5)
        add("cold CLI within 0.7 s of the bare imports", f"+{added:.2f} s best, +{cold['added_s']:.2f} s median",
            added <= 0.7)
    geo = results.get("geoparse", {})
    for fig in geo.get("figures", []):
        if fig["system"] == "situation-map":  # the geoparsing stages, as the eval reports them
            rate = fig["docs_per_cpu_s"] or fig["docs_per_s"]
            add(f">= 1,000 docs/s on one core ({fig['corpus']})",
                f"{rate:,.1f} docs per CPU-s ({fig['docs_per_s']:,.1f}/s wall) at F1 {fig['f1_exact']:.2f}", rate >= 1000)
    gaz = results.get("gazetteer")
    if gaz:
        b = gaz["best"]
        add("gazetteer load < 0.5 s (load + index)", f"{b['load_s'] + b['index_s']:.2f} s", b["load_s"] + b["index_s"] < 0.5)
        added = b["load_rss_mb"] + b["index_rss_mb"]
        add("gazetteer memory < 400 MB", f"{added:.0f} MB added ({b['peak_rss_mb']:.0f} MB process peak)", b["peak_rss_mb"] < 400)
    scale = results.get("scale")
    if scale:
        big = next((f for f in scale["figures"] if f["events"] == 10_000), None)
        if big:
            add("10,000-event map built < 5 s", f"{big['total_s']:.2f} s", big["total_s"] < 5)
            add("10,000-event map < 10 MB", f"{big['html_mb']:.1f} MB", big["html_mb"] < 10)
            fr = big.get("browser", {}).get("first_render_s")
            add("10,000-event map first render < 3 s", f"{fr:.2f} s" if fr is not None else "not measured",
                None if fr is None else fr < 3)
    growth = results.get("growth")
    if growth and growth.get("per_kb_ratio") is not None:
        last = growth["figures"][-1]["factor"]
        add("cost linear in text size", f"CPU per KB at {last}x = {growth['per_kb_ratio']:.2f}x that at 1x",
            growth["per_kb_ratio"] <= LINEAR_SLACK)
    return rows


def _header() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "mapping"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        commit = (commit + (" + uncommitted changes in mapping/" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"# situation-map benchmarks\n\n{dt.datetime.now().isoformat(timespec='seconds')}; "
            f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {cpus} CPUs; "
            f"checkout {commit}; load average {_loadavg()}")


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 100 documents per corpus, only the 10,000-event map (about two minutes)")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--skip", help="comma-separated sections to leave out")
    parser.add_argument("--repeat", type=int, help="cold-start runs per command (default 5, quick 2)")
    parser.add_argument("--docs", type=int, help="documents per corpus (default all; quick 100)")
    parser.add_argument("--eval-dir", help="folder with lgl.jsonl and geovirus.jsonl (default ../shared/eval)")
    parser.add_argument("--no-peers", action="store_true", help="only situation-map in the geoparsing table")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium renders")
    parser.add_argument("--chromium", help="Chromium executable (default /usr/bin/chromium)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON")
    parser.add_argument("--batch-sizes", metavar="N,N", help="synthetic news sizes of the batch section "
                        "(default 1000,10000; quick 1000; add 100000 to measure 10^5)")
    parser.add_argument("--profile", action="store_true", help="batch section: also profile with py-spy")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--lookups", type=int, default=200_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _no_network()

    if args.child == "gazetteer":
        print(json.dumps(_gazetteer_child(args.lookups)))
        return 0

    chosen = [s.strip() for s in (args.only.split(",") if args.only else SECTIONS)]
    unknown = [s for s in chosen + (args.skip.split(",") if args.skip else []) if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; expected {', '.join(SECTIONS)}")
    chosen = [s for s in chosen if s not in (args.skip.split(",") if args.skip else [])]

    _print(_header())
    results: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"), "quick": args.quick}
    import batch as batch_bench

    args.batch_sizes = (tuple(int(x.replace("_", "")) for x in args.batch_sizes.split(",")) if args.batch_sizes
                        else (1_000,) if args.quick else (1_000, 10_000))
    functions = {"cold": bench_cold, "geoparse": bench_geoparse, "gazetteer": bench_gazetteer,
                 "scale": bench_scale, "growth": bench_growth, "batch": batch_bench.bench_batch}
    for section in SECTIONS:
        if section in chosen:
            functions[section](args, results)
    targets = _targets(results)
    if targets:
        _print("\n## Targets (issue 8)\n")
        _print(_table(["target", "figure", "status"], targets))
    results["targets"] = targets
    _print(f"\nLoad average at the end: {_loadavg()} (figures from a busy machine are slower; compare CPU s).")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
