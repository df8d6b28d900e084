"""Exports from a running database (`bak2avro export --dsn`), split in
ranges, against the single-stream export of the same tables, on the real
PostgreSQL or MariaDB test container that with-db.sh starts: every row
exactly once (no duplicates, none missing, NULL keys included), keyless
PostgreSQL tables split by ctid, part files named part-NNNNN.avro rolled
over at --max-file-rows, and a Job JSON that lists every part and checks
each table's total against the source's count. Run with Debian's python3
(python3-avro)."""
import collections
import json
import os
import subprocess
import sys
import tempfile
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

    def run_sql(sql):
        subprocess.run(["docker", "exec", "-i", "-e", "PGPASSWORD", CONTAINER, "psql", "-h", HOST, "-p", PORT,
                        "-U", USER, "-d", DB, "-v", "ON_ERROR_STOP=1", "-q"], input=sql.encode(), check=True,
                       env=dict(os.environ, PGPASSWORD=PASSWORD), capture_output=True)
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


def read_rows(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        rows = [tuple(sorted(r.items())) for r in reader]
        reader.close()
    return rows


def export(out, *args):
    return subprocess.run([CLI, "export", "--dsn", DSN, "-o", out] + list(args), capture_output=True, text=True,
                          timeout=600)


class Split(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        run_sql(FIXTURE)
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
