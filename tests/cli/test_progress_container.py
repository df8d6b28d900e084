"""What bak2avro run draws on a terminal while a container restore runs (the
real PostgreSQL test image, a plain script restored by psql): the readiness
probe's "attempt n of m" and the bytes of the dump psql has consumed."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_progress import run_in_pty  # noqa: E402

SAMPLES = os.environ.get("B2A_SAMPLES", "")
PG_IMAGE = os.environ.get("B2A_TEST_PG_IMAGE", "bak2avro-test/postgres:15")
SCHEMA = os.path.join(SAMPLES, "postgresql", "pagila-schema.sql")
DATA = os.path.join(SAMPLES, "postgresql", "pagila-data.sql")


def docker_ok():
    try:
        subprocess.run(["docker", "image", "inspect", PG_IMAGE], check=True, capture_output=True, timeout=30)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


class ContainerProgress(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-progress-ct-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_readiness_attempts_and_dump_bytes_on_a_terminal(self):
        code, screen = run_in_pty(["run", SCHEMA, DATA, "-o", "out", "--image", PG_IMAGE, "--network", "host"],
                                  self.tmp)
        self.assertEqual(code, 0, screen[-3000:])
        frames = screen.replace("\x1b[1A", "").replace("\x1b[2K", "").split("\r\n")
        waits = [int(m.group(1)) for m in
                 (re.match(r"^  \[[#.]{20}\] +\d+%  container  waiting until ready: attempt (\d+) of (\d+)$", f)
                  for f in frames) if m]
        self.assertTrue(waits, screen[-3000:])
        self.assertEqual(waits[0], 1)
        self.assertEqual(waits, sorted(waits))
        # psql reads pagila-data.sql: its bytes consumed against its size, never going back.
        total = "%.1f" % (os.path.getsize(DATA) / 1e6)
        consumed = [float(m.group(1)) for m in
                    (re.match(r"^  \[[#.]{20}\] +\d+%  restore  (\d+\.\d)/" + re.escape(total) + " MB of the dump$", f)
                     for f in frames) if m]
        self.assertTrue(consumed, screen[-3000:])
        self.assertEqual(consumed, sorted(consumed))
        # the last frame, drawn when psql exited 0, says all of it
        self.assertEqual(consumed[-1], float(total))
        self.assertTrue(screen.endswith("Success: 15 tables exported, 0 failed\r\n"), screen[-300:])


if __name__ == "__main__":
    if not os.path.isfile(DATA):
        print("sample %r is absent: set B2A_SAMPLES" % DATA)
        sys.exit(77)
    if not docker_ok():
        print("Docker or the image %s is absent" % PG_IMAGE)
        sys.exit(77)
    unittest.main()
