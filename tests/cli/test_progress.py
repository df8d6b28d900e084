"""What bak2avro run shows: on a terminal (run under a pseudo-terminal, reading
what it draws) a line per running table with rows done / expected, rows/s and
ETA, and a job line; timestamped lines when stderr is not a terminal; --log-json
lines with a time and a final "done" event."""
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ["B2A_CLI"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
TSQLV4 = os.path.join(SAMPLES, "sqlserver", "tsqlv4_sql2016_compressed__JoeyCheung.bak")
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def run_in_pty(args, cwd):
    """Run the command with a pseudo-terminal as stdin, stdout and stderr; return
    its exit code and every byte it wrote there."""
    master, slave = pty.openpty()
    p = subprocess.Popen([CLI, *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command exited and closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=60), out.decode()


class Progress(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-progress-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_terminal_shows_rows_rate_eta_and_a_job_line(self):
        code, screen = run_in_pty(["run", TSQLV4, "--include", "Nums", "-o", "out"], self.tmp)
        self.assertEqual(code, 0, screen)
        frames = screen.replace("\x1b[1A", "").replace("\x1b[2K", "").split("\r\n")
        table = [f for f in frames if "dbo.Nums" in f and "rows/s" in f]
        self.assertTrue(table, screen)
        self.assertRegex(table[-1],
                         r"^  \[[#.]{20}\] +\d+%  dbo\.Nums  \d+/100000 rows  \d+ rows/s  \d+\.\d MB  ETA \d+:\d\d$")
        # The job line ends with every row and the bytes of the file written (MB = 10^6 bytes).
        size = os.path.getsize(os.path.join(self.tmp, "out", "dbo", "Nums", "part-00000.avro"))
        done = r"^  job: 1/1 tables done, 100000 rows, %s MB, \d+:\d\d elapsed$" % re.escape("%.1f" % (size / 1e6))
        self.assertTrue(any(re.match(done, f) for f in frames), frames)
        self.assertTrue(re.search(r"  job: 0/1 tables done, \d+ rows, \d+\.\d MB, \d+:\d\d elapsed, ETA \d+:\d\d\r\n",
                                  screen), screen)
        self.assertIn("  job: 0/1 tables done, ", screen)
        # Each frame erases what the last one drew: one cursor-up-and-clear per line.
        self.assertIn("\x1b[1A\x1b[2K\x1b[1A\x1b[2K  [", screen)
        self.assertTrue(screen.endswith("Success: 1 tables exported, 0 failed\r\n"), screen[-200:])

    def test_lines_are_timestamped_when_not_a_terminal(self):
        p = subprocess.run([CLI, "run", TSQLV4, "--include", "Shippers", "-o", "out"], cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stderr.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, "^" + ISO + " ")
        self.assertTrue(any(re.match(ISO + r" Sales\.Shippers: 3 rows -> out/Sales/Shippers/part-00000\.avro$", l)
                            for l in lines), lines)
        # The export's end: tables, rows and the MB written.
        size = os.path.getsize(os.path.join(self.tmp, "out", "Sales", "Shippers", "part-00000.avro"))
        self.assertIn(" export: 100%% (1/1 tables, 3/3 rows, %.1f MB)" % (size / 1e6), p.stderr)
        self.assertNotIn("\x1b", p.stderr)

    def test_log_json_lines_have_a_time_and_end_with_a_done_event(self):
        p = subprocess.run([CLI, "run", "--log-json", TSQLV4, "--include", "Shippers", "-o", "out"], cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        events = [json.loads(l) for l in p.stderr.splitlines()]
        for e in events:
            self.assertRegex(e["time"], "^" + ISO + "$")
        done = events[-1]
        job = json.load(open(os.path.join(self.tmp, "out", "job.json")))
        self.assertEqual({k: done[k] for k in ("event", "status", "exit_code", "job_id", "tables_ok",
                                               "tables_failed", "error")},
                         {"event": "done", "status": "Success", "exit_code": 0, "job_id": job["job_id"],
                          "tables_ok": 1, "tables_failed": 0, "error": None})
        self.assertEqual([e["event"] for e in events].count("done"), 1)
        # Bytes: the table's last report and the summary give the file's size.
        size = os.path.getsize(os.path.join(self.tmp, "out", "Sales", "Shippers", "part-00000.avro"))
        table = [e for e in events if e["event"] == "progress" and e["table"] == "Sales.Shippers"]
        self.assertEqual((table[-1]["percent"], table[-1]["rows_done"], table[-1]["bytes_done"]), (100.0, 3, size))
        self.assertEqual((done["rows_exported"], done["bytes_written"]), (3, size))

    def test_log_json_done_event_of_a_failed_job(self):
        bad = os.path.join(self.tmp, "not-a-backup.bak")
        open(bad, "w").write("hello\n")
        p = subprocess.run([CLI, "run", "--log-json", bad, "-o", "out"], cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 3, p.stderr)
        done = json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])
        self.assertEqual((done["event"], done["status"], done["exit_code"]), ("done", "Failed", 3))
        self.assertIn("not-a-backup.bak", done["error"])


if __name__ == "__main__":
    if not os.path.isfile(TSQLV4):
        print("sample %r is absent: set B2A_SAMPLES" % TSQLV4)
        sys.exit(77)
    unittest.main()
