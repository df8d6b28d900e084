"""The Source and Export blocks through the Python binding, on the real
PostgreSQL or MariaDB test container that tests/integration/with-db.sh
starts: a table planned in 4 ranges, each range exported by another
process from the plan's JSON, gives exactly the rows of the whole-table
export; the plan's snapshot (PostgreSQL) ends when the plan is closed.
Run with Debian's python3 (python3-avro), B2A_LIBRARY set."""
import collections
import datetime
import json
import os
import subprocess
import sys
import tempfile
import unittest

import avro.datafile
import avro.io

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import bak2avro  # noqa: E402

VENDOR = os.environ.get("B2A_TEST_DB_VENDOR", "")
ENV = {k: os.environ.get("B2A_TEST_DB_" + k, "") for k in ("HOST", "PORT", "USER", "PASSWORD", "NAME", "CONTAINER")}
if VENDOR == "postgres":
    SCHEMA = "public"
    DSN = "postgresql://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(**ENV)
    FIXTURE = ["CREATE TABLE pyitems (id bigint PRIMARY KEY, v text)",
               "INSERT INTO pyitems SELECT g, 'v' || g FROM generate_series(1, 12000) g",
               "CREATE TABLE pyheap (a int, b text)",
               "INSERT INTO pyheap SELECT g, NULL FROM generate_series(1, 9000) g",
               "CREATE TABLE pytimes (id int PRIMARY KEY, at timestamp(6))",
               "INSERT INTO pytimes SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE timestamp '1999-12-31 23:59:58.25' "
               "+ g * interval '1 hour 1.000001 second' END FROM generate_series(1, 300) g"]
else:
    SCHEMA = ENV["NAME"]
    DSN = "mysql://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(**ENV)
    FIXTURE = ["CREATE TABLE pyitems (id bigint PRIMARY KEY, v varchar(20))",
               "INSERT INTO pyitems SELECT seq, concat('v', seq) FROM seq_1_to_12000",
               "CREATE TABLE pynull (u int UNIQUE, v varchar(20))",
               "INSERT INTO pynull SELECT IF(seq % 4 = 0, NULL, seq), concat('n', seq) FROM seq_1_to_2000",
               "CREATE TABLE pytimes (id int PRIMARY KEY, at datetime(6))",
               "INSERT INTO pytimes SELECT seq, IF(seq % 5 = 0, NULL, TIMESTAMP '1999-12-31 23:59:58.25' "
               "+ INTERVAL seq * 3601000001 MICROSECOND) FROM seq_1_to_300",
               "CREATE TABLE pytext (k varchar(8) PRIMARY KEY)",
               "INSERT INTO pytext VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'), ('g'), ('h'), ('i'), ('j')",
               "CREATE TABLE pycase (k varchar(8) COLLATE utf8mb4_general_ci NOT NULL, id int NOT NULL, "
               "UNIQUE KEY k_id (k, id))",
               "INSERT INTO pycase VALUES ('a', 1), ('a', 2), ('A', 3), ('A', 4), ('b', 5), ('b', 6), ('B', 7), "
               "('B', 8)"]

WORKER = """
import json, sys
import bak2avro
a = json.load(sys.stdin)
print(json.dumps(bak2avro.export_range(a["dsn"], a["plan"], a["range"], a["out"])))
"""


def rows_of(out, result):
    rows = []
    for f in result["files"]:
        with open(os.path.join(out, f), "rb") as fh:
            r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
            rows += [tuple(sorted(x.items())) for x in r]
            r.close()
    return rows


def schema_of(out, path):
    with open(os.path.join(out, path), "rb") as fh:
        r = avro.datafile.DataFileReader(fh, avro.io.DatumReader())
        schema = json.loads(r.meta["avro.schema"].decode())
        r.close()
    return schema


def in_other_process(plan_json, index, out):
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    p = subprocess.run([sys.executable, "-c", WORKER], input=json.dumps(
        {"dsn": DSN, "plan": plan_json, "range": index, "out": out}), capture_output=True, text=True, env=env,
        timeout=300)
    if p.returncode:
        raise AssertionError("range %d: %s" % (index, p.stderr))
    return json.loads(p.stdout)


@unittest.skipUnless(VENDOR, "run through tests/integration/with-db.sh (B2A_TEST_DB_VENDOR unset)")
class Blocks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sql = ";\n".join(FIXTURE) + ";\n"
        if VENDOR == "postgres":
            cmd = ["docker", "exec", "-i", "-e", "PGPASSWORD", ENV["CONTAINER"], "psql", "-h", ENV["HOST"], "-p",
                   ENV["PORT"], "-U", ENV["USER"], "-d", ENV["NAME"], "-v", "ON_ERROR_STOP=1", "-q"]
            env = dict(os.environ, PGPASSWORD=ENV["PASSWORD"])
        else:
            cmd = ["docker", "exec", "-i", "-e", "MYSQL_PWD", ENV["CONTAINER"], "mariadb", "-h", ENV["HOST"], "-P",
                   ENV["PORT"], "-u" + ENV["USER"], ENV["NAME"]]
            env = dict(os.environ, MYSQL_PWD=ENV["PASSWORD"])
        subprocess.run(cmd, input=sql.encode(), env=env, check=True, capture_output=True)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="b2a-blocks-")
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_ranges_in_other_processes_equal_the_whole_table(self):
        with bak2avro.Source(DSN, include=SCHEMA + ".py*") as src:
            t = {x["name"]: x for x in src.tables if x["selected"]}
            self.assertEqual(t["pyitems"]["rows_expected"], 12000)
            self.assertEqual(t["pyitems"]["primary_key"], ["id"])
            self.assertEqual([c["avro_type"] for c in t["pyitems"]["columns"]], ["long", "string"])
            self.assertNotIn(ENV["PASSWORD"], json.dumps(src.document))
            seen = []
            whole = src.export(SCHEMA + ".pyitems", os.path.join(self.out, "whole"),
                               progress=lambda done, expected: seen.append((done, expected)))
            self.assertEqual(whole["rows_written"], 12000)
            self.assertEqual(whole["files"], [SCHEMA + "/pyitems/part-00000.avro"])
            self.assertEqual(seen[-1], (12000, 12000))
            with src.plan(SCHEMA + ".pyitems", 4) as plan:
                self.assertEqual(plan.ranges, 4)
                self.assertEqual(plan.document["method"], "key")
                self.assertEqual(plan.document["key"], "id")
                self.assertEqual(plan.document["rows_expected"], 12000)
                self.assertNotIn(ENV["PASSWORD"], plan.json)
                if VENDOR == "postgres":
                    self.assertTrue(plan.document["snapshot"])
                results = [in_other_process(plan.json, i, os.path.join(self.out, "ranges")) for i in range(4)]
        self.assertEqual(sum(r["rows_written"] for r in results), 12000)
        files = [f for r in results for f in r["files"]]
        self.assertEqual(len(files), len(set(files)))
        self.assertEqual(sorted(files), ["%s/pyitems/part-%05d.avro" % (SCHEMA, i) for i in range(4)])
        ranges = collections.Counter(x for r in results for x in rows_of(os.path.join(self.out, "ranges"), r))
        self.assertEqual(ranges, collections.Counter(rows_of(os.path.join(self.out, "whole"), whole)))

    @unittest.skipUnless(VENDOR == "postgres", "ctid and snapshots are PostgreSQL's")
    def test_keyless_table_by_ctid_and_the_snapshot_ends_with_the_plan(self):
        with bak2avro.Source(DSN) as src:
            plan = src.plan("public.pyheap", 3)
            self.assertEqual(plan.document["method"], "ctid")
            self.assertEqual(plan.document["rows_expected"], 9000)
            got = sum(bak2avro.export_range(DSN, plan.json, i, self.out)["rows_written"] for i in range(plan.ranges))
            self.assertEqual(got, 9000)
            doc = plan.document
            plan.close()
            with self.assertRaises(bak2avro.OdbcError) as cm:
                bak2avro.export_range(DSN, doc, 0, os.path.join(self.out, "late"))
            self.assertIn("snapshot", str(cm.exception))
            self.assertFalse(os.path.exists(os.path.join(self.out, "late", "public", "pyheap", "part-00000.avro")))

    @unittest.skipUnless(VENDOR == "mariadb", "a nullable unique key splits on MariaDB")
    def test_null_keys_get_a_range_of_their_own(self):
        with bak2avro.Source(DSN) as src:
            with src.plan(SCHEMA + ".pynull", 3) as plan:
                self.assertEqual(plan.document["key"], "u")
                self.assertEqual(plan.document["ranges"][-1]["where"], "`u` IS NULL")
                res = [bak2avro.export_range(DSN, plan.json, i, self.out) for i in range(plan.ranges)]
        self.assertEqual(sum(r["rows_written"] for r in res), 2000)
        self.assertEqual(res[-1]["rows_written"], 500)

    @unittest.skipUnless(VENDOR == "mariadb", "window functions came in MySQL 8.0 and MariaDB 10.2")
    def test_text_keys_split_with_and_without_window_functions(self):
        # 10 keys in 4 ranges. ntile's buckets hold 3, 3, 2 and 2 keys and start at d, g, i;
        # without window functions (MySQL 5.7, MariaDB 10.1; forced here) the keys at
        # offsets 0, 2, 5 and 7 of the sorted keys (i * 10 / 4) bound the ranges: c, f, h.
        want = {"": (["`k` < 'd'", "`k` >= 'd' AND `k` < 'g'", "`k` >= 'g' AND `k` < 'i'", "`k` >= 'i'"],
                     [3, 3, 2, 2]),
                "1": (["`k` < 'c'", "`k` >= 'c' AND `k` < 'f'", "`k` >= 'f' AND `k` < 'h'", "`k` >= 'h'"],
                      [2, 3, 2, 3])}
        for force, (wheres, rows) in want.items():
            with self.subTest(B2A_SPLIT_NO_WINDOW_FUNCTIONS=force):
                os.environ["B2A_SPLIT_NO_WINDOW_FUNCTIONS"] = force
                try:
                    with bak2avro.Source(DSN) as src, src.plan(SCHEMA + ".pytext", 4) as plan:
                        self.assertEqual(plan.document["key"], "k")
                        self.assertEqual([r["where"] for r in plan.document["ranges"]], wheres)
                        out = os.path.join(self.out, force or "ntile")
                        res = [bak2avro.export_range(DSN, plan.json, i, out) for i in range(plan.ranges)]
                finally:
                    del os.environ["B2A_SPLIT_NO_WINDOW_FUNCTIONS"]
                self.assertEqual([r["rows_written"] for r in res], rows)
                keys = sorted(dict(x)["k"] for r in res for x in rows_of(out, r))
                self.assertEqual(keys, list("abcdefghij"))

    @unittest.skipUnless(VENDOR == "mariadb", "the forced path is checked on MariaDB")
    def test_offset_bounds_strictly_increase_in_the_keys_collation(self):
        # k (first column of the only unique key) holds a, a, A, A, b, b, B, B, equal in pairs
        # under its _ci collation. Offsets 0, 2, 4, 6 give a, A, b, B: a bound not strictly
        # above the previous one in the key's own order (A after a, B after b) is dropped, so no
        # range is empty or overlaps another: two ranges of 4 rows, each row once.
        os.environ["B2A_SPLIT_NO_WINDOW_FUNCTIONS"] = "1"
        try:
            with bak2avro.Source(DSN) as src, src.plan(SCHEMA + ".pycase", 4) as plan:
                self.assertEqual(plan.document["key"], "k")
                wheres = [r["where"] for r in plan.document["ranges"]]
                res = [bak2avro.export_range(DSN, plan.json, i, self.out) for i in range(plan.ranges)]
        finally:
            del os.environ["B2A_SPLIT_NO_WINDOW_FUNCTIONS"]
        self.assertEqual([w.lower() for w in wheres], ["`k` < 'b'", "`k` >= 'b'"])
        self.assertEqual([r["rows_written"] for r in res], [4, 4])
        ids = sorted(dict(x)["id"] for r in res for x in rows_of(self.out, r))
        self.assertEqual(ids, list(range(1, 9)))

    def test_job_from_a_dsn(self):
        doc = bak2avro.run((), os.path.join(self.out, "job"), dsn=DSN, include=SCHEMA + ".pyitems", splits=3)
        t = [x for x in doc["tables"] if x["name"] == "pyitems"][0]
        self.assertEqual((doc["status"], t["rows_written"], len(t["files"])), ("Success", 12000, 3))

    def test_ranges_write_naive_timestamps_as_a_job_does(self):
        table = SCHEMA + ".pytimes"
        for choice, logical in (("local", "local-timestamp-micros"), ("utc", "timestamp-micros"), ("string", None)):
            with self.subTest(naive_timestamps=choice):
                out = os.path.join(self.out, choice)
                doc = bak2avro.run((), os.path.join(out, "job"), dsn=DSN, include=table, splits=1,
                                   naive_timestamps=choice)
                job = [t for t in doc["tables"] if t["name"] == "pytimes"][0]
                self.assertEqual((doc["status"], job["rows_written"]), ("Success", 300))
                with bak2avro.Source(DSN, include=table) as src:
                    with src.plan(table, 3) as plan:
                        self.assertEqual(plan.ranges, 3)
                        res = [bak2avro.export_range(DSN, plan.json, i, os.path.join(out, "ranges"),
                                                     naive_timestamps=choice) for i in range(3)]
                    whole = src.export(table, os.path.join(out, "whole"), naive_timestamps=choice)
                job_schema = schema_of(os.path.join(out, "job"), job["files"][0])
                at = [f for f in job_schema["fields"] if f["name"] == "at"][0]["type"][1]
                self.assertEqual(at, {"type": "long", "logicalType": logical} if logical else "string")
                with open(os.path.join(out, "job", job["schema_file"])) as f:
                    job_avsc = json.load(f)
                job_rows = collections.Counter(rows_of(os.path.join(out, "job"), job))
                for where, results in (("ranges", res), ("whole", [whole])):
                    for r in results:
                        schema = schema_of(os.path.join(out, where), r["files"][0])
                        with open(os.path.join(out, where, r["schema_file"])) as f:
                            avsc = json.load(f)
                        if where == "ranges":  # only the record's doc differs: a range has no count of its own
                            self.assertEqual(schema.pop("doc") + "; 300 rows", job_schema["doc"])
                            self.assertEqual(avsc.pop("doc") + "; 300 rows", job_avsc["doc"])
                            schema["doc"], avsc["doc"] = job_schema["doc"], job_avsc["doc"]
                        self.assertEqual(schema, job_schema, where)
                        self.assertEqual(avsc, job_avsc, where)
                    got = collections.Counter(x for r in results for x in rows_of(os.path.join(out, where), r))
                    self.assertEqual(got, job_rows, where)
                row = dict(next(x for x in job_rows if dict(x)["id"] == 1))
                if choice == "string":
                    self.assertEqual(row["at"], "2000-01-01 00:59:59.250001")
                else:  # python3-avro 1.11 reads timestamp-micros as a datetime, the local kind as a long
                    micros = 946688399250001
                    self.assertEqual(row["at"], micros if choice == "local" else
                                     datetime.datetime(2000, 1, 1, 0, 59, 59, 250001, tzinfo=datetime.timezone.utc))
        with self.assertRaises(ValueError):
            bak2avro.export_range(DSN, "{}", 0, self.out, naive_timestamps="zulu")

    def test_unknown_table_and_bad_splits(self):
        with bak2avro.Source(DSN) as src:
            with self.assertRaises(bak2avro.errors.NotFound):
                src.plan(SCHEMA + ".nope", 2)
            with self.assertRaises(ValueError):
                src.plan(SCHEMA + ".pyitems", 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
