"""Key contents never leave mapscope through its exported artefacts (issue 7): the exporter's
/metrics page and record's pprof, folded and SVG files are searched for the keys the target
wrote. tests/go/zipfkeys writes string keys "user:N" (and the test first checks that the target
really wrote them, so an empty search cannot pass by accident)."""
import gzip
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

import lib

KEY = re.compile(rb"user:\d")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_record_files_hold_no_keys():
    lib.require_root()
    binary = lib.target("zipfkeys", "1.26", "plain")
    with tempfile.TemporaryDirectory(prefix="mapscope-keys-") as tmp:
        for ext in ("pb.gz", "folded", "svg"):
            out = os.path.join(tmp, f"p.{ext}")
            p = lib.run([lib.MAPSCOPE, "record", "-d", "30", "-o", out, "--", binary, "n",
                         "20000"], timeout=120)
            assert b"count str user:" in p.stdout.encode(), "the target wrote no string keys"
            with open(out, "rb") as f:
                data = f.read()
            if ext == "pb.gz":
                data = gzip.decompress(data)
            assert b"main." in data, f"{ext}: no frames of the target: nothing was searched"
            assert not KEY.search(data), f"{ext} holds a key: {KEY.search(data).group()}"


def test_metrics_hold_no_keys():
    lib.require_root()
    port = free_port()
    ex = subprocess.Popen([lib.MAPSCOPE, "export", "--listen", f"127.0.0.1:{port}", "-i", "0.5",
                           "--", lib.target("zipfkeys", "1.26", "plain"), "dur", "6"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    page = b""
    try:
        deadline = time.time() + 60
        while time.time() < deadline and b"main." not in page:
            time.sleep(1)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    page = r.read()
            except OSError:
                pass
        out, _ = ex.communicate(timeout=120)
    finally:
        if ex.poll() is None:
            ex.kill()
            ex.wait()
    assert b"count str user:" in out, "the target wrote no string keys"
    assert b"main." in page, "no site of the target on the page: nothing was searched"
    assert not KEY.search(page), f"/metrics holds a key: {KEY.search(page).group()}"
