"""docker/bak2avro/Dockerfile builds here (FROM the local Debian base image, nothing
pulled) and the image runs the command: --version, inspect, and a direct .bak read into a
mounted folder, with a Job JSON that reads the same outside the container."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ["B2A_SOURCE_ROOT"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
BASE = os.environ.get("B2A_TEST_DEBIAN_IMAGE", "bak2avro-test/debian:bookworm")
TAG = "bak2avro-test/bak2avro:tested"
NW = "northwind_sql2008_mtf__thuyluv.bak"


def sh(*args, timeout=600):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


class Image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = sh("docker", "build", "--network", "host", "--build-arg", "BASE=" + BASE, "-f",
               os.path.join(SOURCE, "docker", "bak2avro", "Dockerfile"), "-t", TAG, SOURCE, timeout=3000)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-image-")
        os.chmod(self.tmp, 0o777)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def docker_run(self, *args):
        return sh("docker", "run", "--rm", "--network", "none",
                  "-v", os.path.abspath(os.path.join(SAMPLES, "sqlserver")) + ":/in:ro",
                  "-v", self.tmp + ":/out", TAG, *args)

    def test_version_and_help(self):
        p = self.docker_run("--version")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^bak2avro \d+\.\d+\.\d+\n$")
        p = sh("docker", "run", "--rm", "--network", "none", TAG)  # CMD is --help
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("usage: bak2avro run", p.stdout)

    def test_inspect(self):
        p = self.docker_run("inspect", "/in/" + NW)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)["inputs"][0]
        self.assertEqual((doc["path"], doc["vendor"]), ("/in/" + NW, "sqlserver"))

    def test_direct_bak_read(self):
        p = self.docker_run("run", "/in/" + NW, "--include", "Shippers", "-o", "/out/nw")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Success: 1 tables exported, 0 failed", p.stdout)
        job = json.load(open(os.path.join(self.tmp, "nw", "job.json")))
        self.assertEqual(job["output_dir_absolute"], "/out/nw")  # as the container saw it
        shippers = next(t for t in job["tables"] if t["name"] == "Shippers")
        self.assertEqual(shippers["rows_written"], 3)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "nw", shippers["files"][0])))

    def test_man_page_is_in_the_image(self):
        p = sh("docker", "run", "--rm", "--network", "none", "--entrypoint", "ls", TAG, "/usr/share/man/man1/")
        self.assertIn("bak2avro.1", p.stdout.split())


if __name__ == "__main__":
    if sh("docker", "image", "inspect", BASE).returncode != 0:
        print("no Docker engine, or no base image %s (scripts/build-test-images.sh makes it)" % BASE)
        sys.exit(77)
    if not os.path.isdir(SAMPLES):
        print("samples folder %r is absent: set B2A_SAMPLES" % SAMPLES)
        sys.exit(77)
    unittest.main()
