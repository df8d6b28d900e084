"""bak2avro.dask.export_backups on a real dask.distributed LocalCluster of 2
worker processes, without any database: TSQLV4's dbo.Nums read from the
SQL Server .bak in ../shared/samples, split in 4 ranges by extent, each
range read by a worker opening the same file, gives exactly the rows of
the single-machine `bak2avro run` (as multisets), both workers export
ranges, and the Job has the keys of the run's Job JSON (top level and per
table) so the two cannot drift. Partitioned tables of an Oracle exp and
Data Pump dump split by row segment equal the run the same way.
Run with Debian's python3 (python3-avro, python3-distributed),
B2A_LIBRARY and B2A_CLI set."""
import json
import os
import unittest

from dask_common import SAMPLES, ClusterTest, b2a_dask, bak2avro, by_table, cli_job, rows_of

TSQLV4 = os.path.join(SAMPLES, "sqlserver", "tsqlv4_sql2016_compressed__JoeyCheung.bak")
RJSCHOF_EXP = os.path.join(SAMPLES, "oracle", "rjschof_legacy.dmp")     # exp
RJSCHOF_DP = os.path.join(SAMPLES, "oracle", "rjschof_modern.dmp")      # Data Pump
# what a Dask Job has that a run's has not: how each table was split among the workers
DASK_ONLY_TABLE_KEYS = {"split"}


def run(backup, out, *include):
    return cli_job(["run", backup] + [a for i in include for a in ("--include", i)], out)


@unittest.skipUnless(os.path.isfile(TSQLV4), "sample %s absent (set B2A_SAMPLES)" % TSQLV4)
class DaskBackupExport(ClusterTest):
    @classmethod
    def prepare(cls):
        cls.single = os.path.join(cls.tmp.name, "single")
        cls.single_job = run(TSQLV4, cls.single, "dbo.Nums")

    def assert_same_keys(self, job, single_job):
        self.assertEqual(sorted(job), sorted(single_job), "top-level keys of the Dask Job and of a run's")
        for key, t in by_table(job).items():
            self.assertEqual(sorted(set(t) - DASK_ONLY_TABLE_KEYS), sorted(by_table(single_job)[key]), key)
        skipped = [t for t in job["tables"] if not t["selected"]]
        single_skipped = [t for t in single_job["tables"] if not t["selected"]]
        self.assertTrue(skipped)
        self.assertEqual(sorted(skipped[0]), sorted(single_skipped[0]), "keys of a table not exported")
        self.assertEqual(sorted(job["steps"][0]), sorted(single_job["steps"][0]), "keys of a step")
        self.assertEqual(sorted(job["summary"]), sorted(single_job["summary"]))

    def test_nums_split_across_workers_equals_run(self):
        out = os.path.join(self.tmp.name, "dask")
        job = b2a_dask.export_backups(TSQLV4, out, self.client, include="dbo.Nums", splits=4)
        self.assertEqual(job["status"], "Success")
        with open(os.path.join(out, "job.json")) as f:
            self.assertEqual(json.load(f), job)
        self.assertEqual(job["dsn"], "file:" + TSQLV4)
        self.assertEqual(job["inputs"], [TSQLV4])
        self.assertEqual((job["vendor"], job["database"]), ("sqlserver", "TSQLV4"))
        nums = by_table(job)[("dbo", "Nums")]
        self.assertEqual(list(by_table(job)), [("dbo", "Nums")])
        self.assertEqual(nums["split"]["method"], "extents")
        ranges = nums["split"]["ranges"]
        self.assertEqual(len(ranges), 4)
        self.assertTrue(all(r["rows_written"] > 0 for r in ranges), ranges)  # the split does split
        self.assertEqual({r["worker"] for r in ranges}, set(self.client.scheduler_info()["workers"]),
                         "both workers exported ranges")
        single = by_table(self.single_job)[("dbo", "Nums")]
        self.assertEqual((nums["rows_written"], nums["rows_expected"]), (100000, 100000))
        self.assertEqual((single["rows_written"], single["rows_expected"]), (100000, 100000))
        got, want = rows_of(out, nums["files"]), rows_of(self.single, single["files"])
        self.assertEqual(got, want, "dbo.Nums: rows differ from the single-machine run")
        self.assertEqual(max(got.values()), 1)  # 1..100000, each once
        with open(os.path.join(out, nums["schema_file"])) as a, open(os.path.join(self.single, single["schema_file"])) as b:
            ours, theirs = json.load(a), json.load(b)
        # a range knows no table count, so its schema's doc does not say "; 100000 rows"
        self.assertEqual(theirs.pop("doc"), ours.pop("doc") + "; 100000 rows")
        self.assertEqual(ours, theirs)
        self.assert_same_keys(job, self.single_job)

    def test_oracle_partitioned_tables_split_by_row_segment(self):
        tables = ["FINANCE.TRANSACTIONS", "FINANCE.TRANSACTION_DETAILS"]  # 5 and 8 partitions
        for dump in (RJSCHOF_EXP, RJSCHOF_DP):
            if not os.path.isfile(dump):
                self.skipTest("sample %s absent" % dump)
            name = os.path.basename(dump)
            single = os.path.join(self.tmp.name, name + "-single")
            single_job = run(dump, single, *tables)
            out = os.path.join(self.tmp.name, name + "-dask")
            job = b2a_dask.export_backups([dump], out, self.client, include=tables, splits=4)
            self.assertEqual((job["status"], job["vendor"]), ("Success", "oracle"), name)
            want, got = by_table(single_job), by_table(job)
            self.assertEqual(sorted(got), [("FINANCE", "TRANSACTIONS"), ("FINANCE", "TRANSACTION_DETAILS")])
            for key, t in got.items():
                self.assertEqual(t["split"]["method"], "segments", (name, key))
                self.assertEqual(len(t["split"]["ranges"]), 4, (name, key))
                self.assertTrue(all(r["rows_written"] > 0 for r in t["split"]["ranges"]), (name, key))
                self.assertEqual((t["rows_written"], t["rows_expected"]),
                                 (want[key]["rows_written"], want[key]["rows_expected"]), (name, key))
                self.assertEqual(rows_of(out, t["files"]), rows_of(single, want[key]["files"]), (name, key))
            self.assert_same_keys(job, single_job)

    def test_a_plan_of_other_files_is_refused(self):
        with bak2avro.Source(bak2avro.backup_dsn(TSQLV4)) as src, src.plan("dbo.Nums", 2) as plan:
            other = os.path.join(SAMPLES, "sqlserver", "pubs_sql2012_mtf__UGR95.bak")
            with self.assertRaises(bak2avro.Error) as cm:
                bak2avro.export_range(bak2avro.backup_dsn(other), plan.json, 0, os.path.join(self.tmp.name, "x"))
            self.assertIn("no table dbo.Nums in this backup", str(cm.exception))
            with self.assertRaises(bak2avro.Error) as cm:
                bak2avro.export_range("postgresql://u@localhost/db", plan.json, 0, os.path.join(self.tmp.name, "y"))
            self.assertIn("the plan of dbo.Nums splits a backup's table: give the file: DSN", str(cm.exception))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "x", "dbo")))

    def test_backup_dsn(self):
        self.assertEqual(bak2avro.backup_dsn(["/a/x,1.bak", "/a/50%.bak"]), "file:/a/x%2C1.bak,/a/50%25.bak")
        with self.assertRaises(ValueError):
            bak2avro.backup_dsn([])


if __name__ == "__main__":
    unittest.main(verbosity=2)
