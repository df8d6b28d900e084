"""Runs the ```sh command lines of doc/cli.md and README.md, in the order written, with
the example file names linked to sample backups, so the docs stay true. A block that
cannot run here is listed in NOT_RUN with the reason."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ["B2A_CLI"]
SOURCE = os.environ["B2A_SOURCE_ROOT"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
DOCS = ["doc/cli.md", "README.md"]

# The file names the examples use, and the samples that stand in for them.
STAND_INS = {
    "northwind.bak": "sqlserver/northwind_sql2008_mtf__thuyluv.bak",
    "sales_1of2.bak": "sqlserver/restoretimestripe_sql2008r2_stripe1of2__dataplat.bak",
    "sales_2of2.bak": "sqlserver/restoretimestripe_sql2008r2_stripe2of2__dataplat.bak",
    "chinook.dump": "postgresql/chinook_pg15_custom.dump",
}

# Blocks not run, by a string they contain.
NOT_RUN = {
    "scripts/setup-debian.sh": "installs Debian packages and starts dockerd, and test-all.sh runs this very suite",
}


def sh_blocks(doc):
    """(first line number, text) of every ```sh block of doc."""
    blocks, cur, start = [], None, 0
    with open(os.path.join(SOURCE, doc)) as f:
        for n, line in enumerate(f, 1):
            if cur is None and line.strip() == "```sh":
                cur, start = [], n + 1
            elif cur is not None and line.strip() == "```":
                blocks.append((start, "".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(line)
    return blocks


def docker_answers():
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0 if shutil.which("docker") else False


class DocCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-doc-")
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        os.symlink(os.path.abspath(CLI), os.path.join(bindir, "bak2avro"))
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)
        for name, sample in STAND_INS.items():
            src = os.path.join(os.path.abspath(SAMPLES), sample)
            if name.endswith(".dump"):
                # A container restore bind-mounts the input's folder, where a symbolic
                # link to a file elsewhere does not resolve: a copy, in this temporary folder.
                shutil.copy(src, os.path.join(self.work, name))
            else:
                os.symlink(src, os.path.join(self.work, name))
        self.env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_sh_block_runs(self):
        have_docker = docker_answers()
        ran = 0
        for doc in DOCS:
            for line, block in sh_blocks(doc):
                where = "%s:%d" % (doc, line)
                why = next((r for key, r in NOT_RUN.items() if key in block), None)
                if why is None and "chinook.dump" in block and not have_docker:
                    why = "no Docker engine answers"
                if why:
                    print("not run: %s (%s)" % (where, why), file=sys.stderr)
                    continue
                with self.subTest(block=where):
                    # Each example starts from a fresh out/, except one that reads what the last wrote.
                    if "out/job.json" not in block:
                        for d in ("out", "out2"):
                            shutil.rmtree(os.path.join(self.work, d), ignore_errors=True)
                    p = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=self.work, env=self.env,
                                       capture_output=True, text=True, timeout=600)
                    self.assertEqual(p.returncode, 0, "%s\n%s\n%s%s" % (where, block, p.stdout, p.stderr[-3000:]))
                    ran += 1
        self.assertGreaterEqual(ran, 8)


if __name__ == "__main__":
    if not os.path.isdir(SAMPLES):
        print("samples folder %r is absent: set B2A_SAMPLES" % SAMPLES)
        sys.exit(77)
    unittest.main()
