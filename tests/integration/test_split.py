"""Exports from a running database (`bak2avro export --dsn`), split in
ranges, against the single-stream export of the same tables, on the real
PostgreSQL or MariaDB test container that with-db.sh starts: every row
exactly once (no duplicates, none missing, NULL keys included), keyless
PostgreSQL tables split by ctid, part files named part-NNNNN.avro rolled
over at --max-file-rows, and a Job JSON that lists every part and checks
each table's total against the source's count.

Then the same for `bak2avro run` on a backup of that database (pg_dump -Fc,
mariadb-dump), restored by bak2avro in a container of the same image: the
same splits, files and Job JSON as `export --dsn`, the rows equal to an
unsplit run's; a table of a million rows split by default (--parallel 2);
and --overwrite after a split run killed mid-export. Run with Debian's
python3 (python3-avro)."""
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import avro.datafile
import avro.io

CLI = os.environ["B2A_CLI"]
VENDOR = os.environ["B2A_TEST_DB_VENDOR"]
HOST, PORT = os.environ["B2A_TEST_DB_HOST"], os.environ["B2A_TEST_DB_PORT"]
USER, PASSWORD = os.environ["B2A_TEST_DB_USER"], os.environ["B2A_TEST_DB_PASSWORD"]
DB, CONTAINER = os.environ["B2A_TEST_DB_NAME"], os.environ["B2A_TEST_DB_CONTAINER"]

# table -> rows the fixture makes
if VENDOR == "postgres":
    SCHEMA = "public"
    DSN = "postgresql://%s:%s@%s:%s/%s" % (USER, PASSWORD, HOST, PORT, DB)
    FIXTURE = """
CREATE TABLE items (id int PRIMARY KEY, v text, d numeric(10,2));
INSERT INTO items SELECT g, 'v' || g, g / 7.0 FROM generate_series(1, 30000) g;
CREATE TABLE heap (a int, b text);
INSERT INTO heap SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'x' || g END FROM generate_series(1, 20000) g;
CREATE TABLE textkey (k text PRIMARY KEY, n int);
INSERT INTO textkey SELECT md5(g::text), g FROM generate_series(1, 5000) g;
CREATE TABLE nullkey (u int UNIQUE, v text);
INSERT INTO nullkey SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE g END, 'n' || g FROM generate_series(1, 4000) g;
CREATE TABLE tiny (id int PRIMARY KEY);
INSERT INTO tiny VALUES (1), (2);
CREATE TABLE empty (id int PRIMARY KEY);
"""
    COUNTS = {"items": 30000, "heap": 20000, "textkey": 5000, "nullkey": 4000, "tiny": 2, "empty": 0}
    # how each table splits: PostgreSQL uses NOT NULL keys only, else ctid blocks
    METHODS = {"items": "key", "heap": "ctid", "textkey": "key", "nullkey": "ctid"}

    def run_sql(sql, db=DB):
        subprocess.run(["docker", "exec", "-i", "-e", "PGPASSWORD", CONTAINER, "psql", "-h", HOST, "-p", PORT,
                        "-U", USER, "-d", db, "-v", "ON_ERROR_STOP=1", "-q"], input=sql.encode(), check=True,
                       env=dict(os.environ, PGPASSWORD=PASSWORD), capture_output=True)

    IMAGE = os.environ.get("B2A_TEST_PG_IMAGE", "bak2avro-test/postgres:15")
    # a database of its own, as pg_dump -C writes it (CREATE DATABASE, \connect)
    BIG_SQL = ("CREATE DATABASE big;", "CREATE TABLE big (id int PRIMARY KEY, v int);"
               "INSERT INTO big SELECT g, CASE WHEN g % 1000 = 0 THEN NULL ELSE g END"
               " FROM generate_series(1, 1000000) g;")
    BIG_SCHEMA = "public"

    def dump(path, big=False):
        args = ["-C", "-O", "-d", "big"] if big else ["-Fc", "-d", DB]
        with open(path, "wb") as f:
            subprocess.run(["docker", "exec", "-e", "PGPASSWORD", CONTAINER, "pg_dump", "-h", HOST, "-p", PORT,
                            "-U", USER] + args, stdout=f, check=True, env=dict(os.environ, PGPASSWORD=PASSWORD))

    def make_big():
        run_sql(BIG_SQL[0])
        run_sql(BIG_SQL[1], db="big")
else:
    SCHEMA = DB
    DSN = "mysql://%s:%s@%s:%s/%s" % (USER, PASSWORD, HOST, PORT, DB)
    FIXTURE = """
CREATE TABLE items (id int PRIMARY KEY, v varchar(20), d decimal(10,2));
INSERT INTO items SELECT seq, concat('v', seq), seq / 7 FROM seq_1_to_30000;
CREATE TABLE nullkey (u int UNIQUE, v varchar(20));
INSERT INTO nullkey SELECT IF(seq % 10 = 0, NULL, seq), concat('n', seq) FROM seq_1_to_4000;
CREATE TABLE textkey (k varchar(40) PRIMARY KEY, n int);
INSERT INTO textkey SELECT md5(seq), seq FROM seq_1_to_5000;
CREATE TABLE heap (a int, b varchar(20));
INSERT INTO heap SELECT seq, concat('x', seq) FROM seq_1_to_3000;
CREATE TABLE tiny (id int PRIMARY KEY);
INSERT INTO tiny VALUES (1), (2);
CREATE TABLE empty (id int PRIMARY KEY);
"""
    COUNTS = {"items": 30000, "nullkey": 4000, "textkey": 5000, "heap": 3000, "tiny": 2, "empty": 0}
    # a nullable unique key splits too, its NULLs in a range of their own
    METHODS = {"items": "key", "nullkey": "key", "textkey": "key", "heap": "single"}

    def run_sql(sql):
        subprocess.run(["docker", "exec", "-i", "-e", "MYSQL_PWD", CONTAINER, "mariadb", "-h", HOST, "-P", PORT,
                        "-u" + USER, DB], input=sql.encode(), check=True,
                       env=dict(os.environ, MYSQL_PWD=PASSWORD), capture_output=True)

    IMAGE = os.environ.get("B2A_TEST_MARIADB_IMAGE", "bak2avro-test/mariadb:10.11")
    BIG_SCHEMA = "big"

    def dump(path, big=False):
        # --databases writes CREATE DATABASE and USE: the rows land in a database of their own
        args = ["--databases", "big"] if big else [DB]
        with open(path, "wb") as f:
            subprocess.run(["docker", "exec", "-e", "MYSQL_PWD", CONTAINER, "mariadb-dump", "-h", HOST, "-P", PORT,
                            "-u" + USER] + args, stdout=f, check=True, env=dict(os.environ, MYSQL_PWD=PASSWORD))

    def make_big():
        run_sql("CREATE DATABASE big; CREATE TABLE big.big (id int PRIMARY KEY, v int);"
                "INSERT INTO big.big SELECT seq, IF(seq % 1000 = 0, NULL, seq) FROM seq_1_to_1000000;")

_fixture_made = []


def fixture():
    """The tables above in the test database, once for every class."""
    if not _fixture_made:
        run_sql(FIXTURE)
        _fixture_made.append(True)


def read_rows(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        rows = [tuple(sorted(r.items())) for r in reader]
        reader.close()
    return rows


def export(out, *args):
    return subprocess.run([CLI, "export", "--dsn", DSN, "-o", out] + list(args), capture_output=True, text=True,
                          timeout=600)


def run(backup, out, *args):
    return subprocess.run([CLI, "run", backup, "-o", out, "--image", IMAGE] + list(args), capture_output=True,
                          text=True, timeout=600)


def load_job(out):
    with open(os.path.join(out, "job.json")) as f:
        return json.load(f)


def tables_of(job, schema):
    return {t["name"]: t for t in job["tables"] if t["schema"] == schema}


def rows_of(out, t):
    rows = []
    for f in t["files"]:
        rows += read_rows(os.path.join(out, f))
    return rows


def plan_lines(log, schema, name):
    return [l for l in log.splitlines() if "%s.%s: " % (schema, name) in l and " stream" in l]


def remove_job_containers(job_id):
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", "label=bak2avro.job=" + job_id], capture_output=True,
                         text=True).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f"] + ids, capture_output=True)


SPLIT = ["--splits", "4", "--parallel", "3", "--max-file-rows", "7000"]


class RunSplit(unittest.TestCase):
    """`bak2avro run` on a backup: split as `export --dsn` splits."""

    @classmethod
    def setUpClass(cls):
        fixture()
        cls.tmp = tempfile.TemporaryDirectory(prefix="b2a-runsplit-")
        cls.backup = os.path.join(cls.tmp.name, "fixture.backup")
        dump(cls.backup)
        cls.four = os.path.join(cls.tmp.name, "four")
        p = run(cls.backup, cls.four, *SPLIT, "-v")
        assert p.returncode == 0, p.stderr
        cls.four_log = p.stderr
        cls.job_four = load_job(cls.four)
        # the same options on the live database, for the layout
        cls.dsn_four = os.path.join(cls.tmp.name, "dsn-four")
        p = export(cls.dsn_four, *SPLIT, "-q")
        assert p.returncode == 0, p.stderr
        cls.job_dsn_four = load_job(cls.dsn_four)
        # where the backup's tables went (MariaDB: the restore's own database)
        cls.schema = {t["schema"] for t in cls.job_four["tables"] if t["name"] == "items"}.pop()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tables(self, job):
        return tables_of(job, self.schema)

    def test_split_methods_as_export(self):
        for name, method in METHODS.items():
            line = plan_lines(self.four_log, self.schema, name)
            self.assertTrue(line, "%s: no plan logged in %s" % (name, self.four_log))
            if method == "single":
                self.assertIn(": 1 stream (single)", line[0])
                continue
            self.assertIn("(%s" % method, line[0])
            if VENDOR == "postgres":
                self.assertIn("one snapshot", line[0])

    def test_parts_and_job_json_as_export(self):
        run_tables, dsn_tables = self.tables(self.job_four), tables_of(self.job_dsn_four, SCHEMA)
        self.assertEqual(sorted(run_tables), sorted(COUNTS))
        for name, t in run_tables.items():
            d = dsn_tables[name]
            self.assertEqual(sorted(t), sorted(d), name)  # the same keys
            self.assertEqual((t["status"], t["rows_expected"], t["rows_written"]), ("Success", COUNTS[name],
                                                                                      COUNTS[name]), name)
            folder = "%s/%s" % (self.schema, name)
            want = ["%s/part-%05d.avro" % (folder, i) for i in range(len(t["files"]))]
            self.assertEqual(t["files"], want, name)
            on_disk = sorted(os.listdir(os.path.join(self.four, folder)))
            self.assertEqual(on_disk, sorted([os.path.basename(f) for f in want] + ["part-00000.avsc"]), name)
            self.assertEqual(t["schema_file"], folder + "/part-00000.avsc")
            sizes = [len(read_rows(os.path.join(self.four, f))) for f in t["files"]]
            self.assertTrue(all(n <= 7000 for n in sizes), (name, sizes))
            self.assertTrue(all(n > 0 for n in sizes) or sizes == [0], (name, sizes))
            if METHODS.get(name) == "key":  # the same key ranges: the same files
                self.assertEqual(len(t["files"]), len(d["files"]), name)
        self.assertGreaterEqual(len(run_tables["items"]["files"]), 5)
        for key in ("splits", "parallel", "max_file_rows", "max_file_bytes"):
            self.assertEqual(self.job_four["options"][key], self.job_dsn_four["options"][key], key)
        self.assertEqual((self.job_four["status"], self.job_four["incomplete_files"]), ("Success", []))

    def test_rows_of_a_killed_split_run_replaced_by_an_unsplit_one(self):
        # A split run killed mid-export leaves finished tables' parts (their
        # Job JSON still lists only part-00000) and temporary files; a new
        # run --overwrite, here unsplit, removes them all.
        out = os.path.join(self.tmp.name, "killed")
        args = [CLI, "run", self.backup, "-o", out, "--image", IMAGE, "--splits", "4", "--parallel", "1",
                "--max-file-rows", "2000", "-q"]
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen = None
        try:
            deadline = time.time() + 300
            while seen is None and p.poll() is None and time.time() < deadline:
                if os.path.exists(os.path.join(out, "job.json")):
                    for folder, _, files in os.walk(out):
                        if "part-00001.avro" in files:
                            seen = folder
                            break
                time.sleep(0.005)
            p.send_signal(signal.SIGKILL)
            p.wait()
        finally:
            if os.path.exists(os.path.join(out, "job.json")):
                remove_job_containers(load_job(out)["job_id"])
        self.assertIsNotNone(seen, "the run ended before a table had two parts: %s" % p.stderr.read()[-2000:])
        p.stderr.close()
        left = load_job(out)
        self.assertEqual(left["status"], "Running")
        unlisted = os.path.relpath(os.path.join(seen, "part-00001.avro"), out)
        self.assertIn(os.path.relpath(os.path.join(seen, "part-00000.avro"), out), left["incomplete_files"])
        self.assertNotIn(unlisted, left["incomplete_files"])

        p = run(self.backup, out, "--overwrite", "--splits", "1", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        one = load_job(out)
        self.assertEqual(one["status"], "Success")
        # nothing of the killed run is left: only the new run's files
        listed = sorted([f for t in one["tables"] for f in t["files"]] +
                        [t["schema_file"] for t in one["tables"] if t["schema_file"]] + ["job.json"])
        on_disk = sorted(os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs)
        self.assertEqual(on_disk, listed)
        # and the unsplit run's rows are the split run's, as multisets
        one_tables, four_tables = self.tables(one), self.tables(self.job_four)
        for name, count in COUNTS.items():
            self.assertEqual(len(one_tables[name]["files"]), 1, name)
            a, b = rows_of(out, one_tables[name]), rows_of(self.four, four_tables[name])
            self.assertEqual((len(a), len(b)), (count, count), name)
            self.assertEqual([r for r, n in collections.Counter(b).items() if n > 1], [], name)
            self.assertEqual(collections.Counter(a), collections.Counter(b), name)
        nulls = sum(1 for r in rows_of(self.four, four_tables["nullkey"]) if dict(r)["u"] is None)
        self.assertEqual(nulls, 400)

    def test_a_million_rows_split_by_default(self):
        # No --splits: a table of 1,000,000 rows (the threshold) is split
        # into --parallel ranges; its backup made a database of its own,
        # which the Restore block found and the job exports.
        make_big()
        backup = os.path.join(self.tmp.name, "big.sql")
        dump(backup, big=True)
        out = os.path.join(self.tmp.name, "big")
        p = run(backup, out, "--parallel", "2", "-v")
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        job = load_job(out)
        self.assertEqual(job["database"], "big")
        self.assertEqual(job["options"]["splits"], 0)
        line = plan_lines(p.stderr, BIG_SCHEMA, "big")
        self.assertTrue(line, p.stderr[-3000:])
        self.assertIn(": 2 streams (key on id", line[0])
        t = tables_of(job, BIG_SCHEMA)["big"]
        self.assertEqual((t["status"], t["rows_expected"], t["rows_written"]), ("Success", 1000000, 1000000))
        self.assertEqual(len(t["files"]), 2)
        ids, nulls = collections.Counter(), 0
        for f in t["files"]:
            with open(os.path.join(out, f), "rb") as fh:
                for r in avro.datafile.DataFileReader(fh, avro.io.DatumReader()):
                    ids[r["id"]] += 1
                    nulls += r["v"] is None
        self.assertEqual((len(ids), min(ids), max(ids), max(ids.values()), nulls), (1000000, 1, 1000000, 1, 1000))


class Split(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture()
        cls.tmp = tempfile.TemporaryDirectory(prefix="b2a-split-")
        cls.one = os.path.join(cls.tmp.name, "one")
        cls.four = os.path.join(cls.tmp.name, "four")
        p = export(cls.one, "--splits", "1", "-q")
        assert p.returncode == 0, p.stderr
        p = export(cls.four, "--splits", "4", "--parallel", "3", "--max-file-rows", "7000", "-v")
        cls.four_log = p.stderr
        assert p.returncode == 0, p.stderr
        with open(os.path.join(cls.one, "job.json")) as f:
            cls.job_one = json.load(f)
        with open(os.path.join(cls.four, "job.json")) as f:
            cls.job_four = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tables(self, job):
        return {t["name"]: t for t in job["tables"] if t["schema"] == SCHEMA}

    def table_rows(self, out, t):
        rows = []
        for f in t["files"]:
            rows += read_rows(os.path.join(out, f))
        return rows

    def test_same_rows_as_one_stream(self):
        one, four = self.tables(self.job_one), self.tables(self.job_four)
        self.assertEqual(sorted(one), sorted(COUNTS))
        for name, count in COUNTS.items():
            a = self.table_rows(self.one, one[name])
            b = self.table_rows(self.four, four[name])
            self.assertEqual(len(a), count, name)
            self.assertEqual(len(b), count, name)
            dup = [r for r, n in collections.Counter(b).items() if n > 1]
            self.assertEqual(dup, [], "%s: rows written twice" % name)
            self.assertEqual(collections.Counter(a), collections.Counter(b), name)

    def test_null_keys_are_exported(self):
        rows = self.table_rows(self.four, self.tables(self.job_four)["nullkey"])
        self.assertEqual(sum(1 for r in rows if dict(r)["u"] is None), 400)

    def test_split_methods(self):
        for name, method in METHODS.items():
            streams = "%s.%s: " % (SCHEMA, name)
            line = [l for l in self.four_log.splitlines() if streams in l and "stream" in l]
            self.assertTrue(line, "%s: no plan logged in %s" % (name, self.four_log))
            if method == "single":  # no key to split on: one stream
                self.assertIn(": 1 stream (single)", line[0])
                continue
            self.assertIn("(%s" % method, line[0])
            if VENDOR == "postgres":
                self.assertIn("one snapshot", line[0])

    def test_parts_and_job_json(self):
        for name, t in self.tables(self.job_four).items():
            self.assertEqual(t["status"], "Success", name)
            self.assertEqual(t["rows_expected"], COUNTS[name], name)
            self.assertEqual(t["rows_written"], COUNTS[name], name)
            folder = "%s/%s" % (SCHEMA, name)
            # consecutive part numbers, every one on disk, nothing else there but the schema
            want = ["%s/part-%05d.avro" % (folder, i) for i in range(len(t["files"]))]
            self.assertEqual(t["files"], want, name)
            on_disk = sorted(os.listdir(os.path.join(self.four, folder)))
            self.assertEqual(on_disk, sorted([os.path.basename(f) for f in want] + ["part-00000.avsc"]), name)
            self.assertEqual(t["schema_file"], folder + "/part-00000.avsc")
            sizes = [len(read_rows(os.path.join(self.four, f))) for f in t["files"]]
            self.assertTrue(all(n <= 7000 for n in sizes), (name, sizes))
            # empty range files are dropped; an empty table keeps one empty file
            self.assertTrue(all(n > 0 for n in sizes) or sizes == [0], (name, sizes))
        items = self.tables(self.job_four)["items"]
        self.assertGreaterEqual(len(items["files"]), 5)  # 30000 rows, 7000 a file
        self.assertEqual(self.job_four["options"]["splits"], 4)
        self.assertEqual(self.job_four["options"]["max_file_rows"], 7000)
        self.assertEqual(self.job_four["inputs"], [])
        self.assertNotIn(PASSWORD, json.dumps(self.job_four))
        self.assertIn(":***@", self.job_four["dsn"])
        self.assertEqual(self.job_four["status"], "Success")
        self.assertEqual(self.job_four["incomplete_files"], [])

    def test_bad_dsn_and_options(self):
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([CLI, "export", "--dsn", "oracle://x", "-o", out], capture_output=True, text=True)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("unknown URL scheme", p.stderr)
            p = subprocess.run([CLI, "export", "--dsn", DSN, "-o", out, "--image", "x"], capture_output=True,
                               text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--image is for restoring a backup", p.stderr)
            bad = DSN.replace(PASSWORD, "wrong" + PASSWORD)
            p = subprocess.run([CLI, "export", "--dsn", bad, "-o", out, "-q"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertNotIn(PASSWORD, p.stderr)
            self.assertIn("***", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
