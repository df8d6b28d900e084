"""What the Dask tests (test_dask_db.py, test_dask_bak.py) share: the
binding imported from this tree, by the worker processes too; dask.distributed,
or the test skips (exit 77); a LocalCluster of 2 worker processes for a test
class; the single-machine `bak2avro` run the Dask export is compared with,
and the comparisons' helpers. Run with Debian's python3 (python3-avro,
python3-distributed)."""
import collections
import json
import os
import subprocess
import sys
import tempfile
import unittest

import avro.datafile
import avro.io

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
# The worker processes unpickle bak2avro.dask's task: they import it the same way.
os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
import bak2avro  # noqa: E402

try:
    from dask.distributed import Client, LocalCluster
    import bak2avro.dask as b2a_dask
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIP: dask.distributed is not importable (%s); apt-get install python3-distributed" % e)
    sys.exit(77)

__all__ = ["SAMPLES", "ClusterTest", "b2a_dask", "bak2avro", "by_table", "cli_job", "rows_of"]

SAMPLES = os.environ.get("B2A_SAMPLES", os.path.join(ROOT, "..", "..", "..", "shared", "samples"))


def rows_of(out, files):
    """The rows of the Avro files (relative to out), as a multiset."""
    rows = collections.Counter()
    for f in files:
        with open(os.path.join(out, f), "rb") as fh:
            r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
            rows.update(json.dumps(x, sort_keys=True, default=repr) for x in r)
            r.close()
    return rows


def by_table(job):
    return {(t["schema"], t["name"]): t for t in job["tables"] if t.get("selected")}


def cli_job(args, out):
    """The Job of `bak2avro ARGS -o OUT`, the single-machine export to compare with."""
    p = subprocess.run([os.environ["B2A_CLI"]] + args + ["-o", out], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("bak2avro %s: %s" % (" ".join(args), p.stderr))
    with open(os.path.join(out, "job.json")) as f:
        return json.load(f)


class ClusterTest(unittest.TestCase):
    """A test class with a temp folder (cls.tmp) and a LocalCluster of 2
    worker processes (cls.client), started after the class's prepare()."""

    @classmethod
    def prepare(cls):
        """What the class needs before its cluster starts; may use cls.tmp."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        try:
            cls.prepare()
        except BaseException:
            cls.tmp.cleanup()
            raise
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        cls.client = Client(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.tmp.cleanup()
