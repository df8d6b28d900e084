"""tests/docker/fake_engine.py as a Python test's child process: it serves a
Docker Engine API on a unix socket in a fresh temp folder, replays the
exchanges of one case file and logs every request it got (before it
answers it, so every answered request is in the log)."""
import json
import os
import shutil
import subprocess
import tempfile
import time

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_engine.py")


class FakeEngine:
    def __init__(self, case_file):
        self.dir = tempfile.mkdtemp(prefix="b2a-fake-engine-")
        self.sock = os.path.join(self.dir, "docker.sock")
        self.log = os.path.join(self.dir, "requests.jsonl")
        self.host = "unix://" + self.sock  # for --docker-host
        self.proc = subprocess.Popen(["/usr/bin/python3", FAKE, self.sock, case_file, self.log],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):  # up to 10 s for python to start
            if os.path.exists(self.sock):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("fake engine did not create %s (case %s)" % (self.sock, case_file))

    def requests(self):
        """The requests logged so far: dicts with method, target, body, unexpected..."""
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
