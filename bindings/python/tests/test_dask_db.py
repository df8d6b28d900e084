"""bak2avro.dask.export on a real dask.distributed LocalCluster of 2 worker
processes, against the real PostgreSQL test container that with-db.sh
starts, holding Chinook restored from ../shared/samples with pg_restore
and a table whose unique key has NULLs: every table split in 4 ranges
gives exactly the rows of the single-machine `bak2avro export --dsn` (no
duplicates, none missing, NULL keys included), and its Job JSON the same
tables and counts. A range that cannot be written fails on every worker
it is tried on, and the job fails naming the table and range.
Run with Debian's python3 (python3-avro, python3-distributed),
B2A_LIBRARY and B2A_CLI set."""
import json
import os
import subprocess
import unittest

import avro.datafile
import avro.io

from dask_common import SAMPLES, ClusterTest, b2a_dask, by_table, cli_job, rows_of

ENV = {k: os.environ.get("B2A_TEST_DB_" + k, "") for k in ("HOST", "PORT", "USER", "PASSWORD", "NAME", "CONTAINER")}
DSN = "postgresql://{USER}:{PASSWORD}@{HOST}:{PORT}/chinook".format(**ENV)
SAMPLE = os.path.join(SAMPLES, "postgresql", "chinook_pg15_custom.dump")


def in_db(args, stdin=None):
    env = dict(os.environ, PGPASSWORD=ENV["PASSWORD"])
    return subprocess.run(["docker", "exec", "-i", "-e", "PGPASSWORD", ENV["CONTAINER"]] + args, stdin=stdin,
                          capture_output=True, env=env, timeout=600)


def psql(db, sql):
    p = in_db(["psql", "-h", "127.0.0.1", "-p", ENV["PORT"], "-U", ENV["USER"], "-d", db, "-X", "-q",
               "-v", "ON_ERROR_STOP=1", "-c", sql])
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr.decode())


class DaskExport(ClusterTest):
    @classmethod
    def prepare(cls):
        if not os.path.exists(SAMPLE):
            raise unittest.SkipTest("sample %s absent (set B2A_SAMPLES)" % SAMPLE)
        psql(ENV["NAME"], "CREATE DATABASE chinook")
        with open(SAMPLE, "rb") as f:
            in_db(["pg_restore", "-h", "127.0.0.1", "-p", ENV["PORT"], "-U", ENV["USER"], "-d", "chinook",
                   "--no-owner", "--no-privileges"], stdin=f)  # role errors are expected; rows are checked
        psql("chinook", "CREATE TABLE nullkey (u int UNIQUE, v text); INSERT INTO nullkey SELECT CASE WHEN g % 10 = 0 "
                        "THEN NULL ELSE g END, 'n' || g FROM generate_series(1, 4000) g")
        cls.single = os.path.join(cls.tmp.name, "single")
        cls.single_job = cli_job(["export", "--dsn", DSN], cls.single)

    def test_split_export_equals_single_machine(self):
        out = os.path.join(self.tmp.name, "dask")
        job = b2a_dask.export(DSN, out, self.client, splits=4)
        self.assertEqual(job["status"], "Success")
        with open(os.path.join(out, "job.json")) as f:
            self.assertEqual(json.load(f), job)
        single, dask = by_table(self.single_job), by_table(job)
        self.assertEqual(sorted(dask), sorted(single))
        self.assertGreaterEqual(len(dask), 12)  # Chinook's 11 tables and nullkey
        self.assertEqual(dask[("public", "nullkey")]["rows_written"], 4000)
        split = [t for t in dask.values() if len(t["split"]["ranges"]) > 1]
        self.assertGreaterEqual(len(split), 5, "most Chinook tables have enough keys for 4 ranges")
        workers = {r["worker"] for t in dask.values() for r in t["split"]["ranges"]}
        self.assertEqual(len(workers), 2, "both workers exported ranges")
        for key, t in dask.items():
            s = single[key]
            self.assertEqual(t["status"], "Success", key)
            self.assertEqual((t["rows_written"], t["rows_expected"]), (s["rows_written"], s["rows_expected"]), key)
            a, b = rows_of(out, t["files"]), rows_of(self.single, s["files"])
            self.assertEqual(a, b, "%s.%s: rows differ from the single-machine export" % key)
        self.assertEqual(job["summary"]["rows_written"], self.single_job["summary"]["rows_written"])
        # the Job's shape is a run's (src/core/job_json.c), plus how each table was split
        self.assertEqual(sorted(job), sorted(self.single_job))
        for key, t in dask.items():
            self.assertEqual(sorted(set(t) - {"split"}), sorted(single[key]), key)
        self.assertEqual(job["dsn"], DSN.replace(":" + ENV["PASSWORD"] + "@", ":***@"))

    def test_range_failing_everywhere_fails_the_job(self):
        out = os.path.join(self.tmp.name, "blocked")
        os.makedirs(os.path.join(out, "public"))
        with open(os.path.join(out, "public", "artist"), "w") as f:  # a file where the table's folder goes
            f.write("in the way\n")
        with self.assertRaises(b2a_dask.ExportFailed) as cm:
            b2a_dask.export(DSN, out, self.client, include=["public.artist"], splits=2, retries=1)
        self.assertRegex(str(cm.exception), r"public\.artist range [01] of 2 failed 2 times")
        with open(os.path.join(out, "job.json")) as f:
            job = json.load(f)
        self.assertEqual(job["status"], "Failed")
        ranges = by_table(job)[("public", "artist")]["split"]["ranges"]
        self.assertTrue(all(r["status"] == "Failed" and r["attempts"] == 2 for r in ranges), ranges)

    def test_naive_timestamps_reach_the_workers(self):
        # invoice.invoice_date is a timestamp without time zone: "string" writes it as text
        out = os.path.join(self.tmp.name, "naive")
        job = b2a_dask.export(DSN, out, self.client, include=["public.invoice"], splits=2,
                              naive_timestamps="string")
        t = by_table(job)[("public", "invoice")]
        self.assertEqual(job["options"]["naive_timestamps"], "string")
        self.assertEqual(len(t["files"]), 2)
        for name in t["files"]:
            with avro.datafile.DataFileReader(open(os.path.join(out, name), "rb"), avro.io.DatumReader()) as r:
                field = next(f for f in json.loads(r.get_meta("avro.schema"))["fields"]
                             if f["name"] == "invoice_date")
                self.assertIn("string", json.dumps(field["type"]), field)
                self.assertNotIn("timestamp", json.dumps(field["type"]), field)
                self.assertTrue(all(isinstance(rec["invoice_date"], str) for rec in r))

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            b2a_dask.export("", os.path.join(self.tmp.name, "x"), self.client)
        with self.assertRaises(ValueError):
            b2a_dask.export(DSN, os.path.join(self.tmp.name, "y"), self.client, retries=-1)
        with self.assertRaises(ValueError):
            b2a_dask.export(DSN, os.path.join(self.tmp.name, "z"), self.client, naive_timestamps="naive")


if __name__ == "__main__":
    unittest.main(verbosity=2)
