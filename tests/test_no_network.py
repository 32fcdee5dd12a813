"""The library and the CLI make no network access: sockets are blocked and every path still works."""

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mapping
from mapping.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "southern-syria-briefing.txt"


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args[1:] or kwargs}")

    for name in ("connect", "connect_ex", "sendto", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)


def test_the_blocker_blocks(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80), timeout=1)
    with pytest.raises(NetworkUsed):
        socket.socket().connect(("127.0.0.1", 9))


def test_library_makes_no_network_access(no_network, tmp_path):
    situation = mapping.map_file(EXAMPLE, source="Example")
    situation.to_geojson(tmp_path / "s.geojson")
    situation.save_html(tmp_path / "s.html")
    situation.to_geodataframe()
    for suffix in (".gpkg", ".kml", ".csv"):
        situation.export(tmp_path / f"s{suffix}")
    assert len(list(tmp_path.iterdir())) == 5


def test_cli_makes_no_network_access(no_network, tmp_path, capsys):
    assert main(["map", str(EXAMPLE), "-o", str(tmp_path / "m.html"), "--geojson", str(tmp_path / "m.geojson"), "-q"]) == 0
    assert main(["export", str(EXAMPLE), "-o", str(tmp_path / "m.gpkg"), "-q"]) == 0
    assert main(["places", str(EXAMPLE), "--json"]) == 0


def test_fresh_process_makes_no_network_access(tmp_path):
    """In a new interpreter an audit hook reports and refuses any connection or name lookup."""
    code = textwrap.dedent("""
        import sys

        NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                   "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "http.client.connect", "urllib.Request"}

        def hook(event, args):
            if event in NETWORK:
                sys.stderr.write(f"NETWORK ACCESS: {event} {args!r}\\n")  # reported even if a library swallows the error
                raise RuntimeError(f"network access attempted: {event}")

        sys.addaudithook(hook)
        from mapping.cli import main
        out = sys.argv[2]
        codes = [main(["map", sys.argv[1], "-o", out + "/m.html", "--geojson", out + "/m.geojson", "-q"]),
                 main(["export", sys.argv[1], "-o", out + "/m.kml", "-q"]),
                 main(["export", sys.argv[1], "-o", out + "/m.gpkg", "-q"])]
        sys.exit(max(codes))
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(mapping.__file__).resolve().parent.parent)}  # the package under test
    proc = subprocess.run([sys.executable, "-c", code, str(EXAMPLE), str(tmp_path)], capture_output=True, text=True,
                          timeout=180, cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "NETWORK ACCESS" not in proc.stderr, proc.stderr[-2000:]
    assert {p.name for p in tmp_path.iterdir()} == {"m.html", "m.geojson", "m.kml", "m.gpkg"}
