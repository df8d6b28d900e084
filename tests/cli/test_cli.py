"""The bak2avro command on real sample backups: exit codes, messages, Job JSON, Avro files."""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import avro.datafile
import avro.io

CLI = os.environ["B2A_CLI"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
NW2008 = os.path.join(SAMPLES, "sqlserver", "northwind_sql2008_mtf__thuyluv.bak")
NW2005 = os.path.join(SAMPLES, "sqlserver", "northwind_sql2005_mtf__gabrujo.bak")
STRIPE = os.path.join(SAMPLES, "sqlserver", "northwind_sql2014_stripe1of2__CConocimientos.bak")
DUMPALL = os.path.join(SAMPLES, "postgresql", "dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar")
EXPTEST = os.path.join(SAMPLES, "oracle", "oracledmpparser_exptest.dmp")
RJLEGACY = os.path.join(SAMPLES, "oracle", "rjschof_legacy.dmp")
SCOTT_DP = os.path.join(SAMPLES, "oracle", "jliverse_datapump_scott.dmp")


def run(*args, timeout=300):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read_avro(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        schema = json.loads(reader.meta["avro.schema"].decode())
        rows = list(reader)
        reader.close()
    return schema, rows


def mount_tmpfs(test, size):
    """A real small file system (tmpfs of `size`), unmounted at cleanup; skips
    the test with a clear message where mounting is not permitted."""
    # Not under test.tmp: tearDown removes that before cleanups unmount.
    d = tempfile.mkdtemp(prefix="b2a-tmpfs-")
    test.addCleanup(os.rmdir, d)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", d], capture_output=True, text=True)
    if p.returncode != 0:
        test.skipTest("cannot mount a tmpfs for the full-disk test (needs root): " + p.stderr.strip())
    test.addCleanup(subprocess.run, ["umount", d], check=True)
    return d


def files_under(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def assert_output_is_honest(test, out, job):
    """What a warehouse relies on after any run: no temporary files left; no
    empty folder (Spark and Hive read one as an empty table); and with a Job
    JSON, the Avro and .avsc files on disk are exactly those of the tables it
    calls Success, each complete with the rows it claims."""
    test.assertEqual([f for f in files_under(out) if ".tmp-" in f], [])
    test.assertEqual([d for d, ds, fs in os.walk(out) if not ds and not fs and d != out], [])
    data = [f for f in files_under(out) if f.endswith((".avro", ".avsc"))]
    if job is None:
        for f in data:  # every table that is there is there whole, as a pair
            test.assertTrue(os.path.exists(f[:-5] + (".avsc" if f.endswith(".avro") else ".avro")), f)
            if f.endswith(".avro"):
                read_avro(f)
        return
    claimed = []
    for t in job["tables"]:
        if t["status"] == "Success":
            test.assertEqual(len(t["files"]), 1, t["name"])
            claimed += [os.path.realpath(os.path.join(out, t["files"][0])),
                        os.path.realpath(os.path.join(out, t["schema_file"]))]
            _, rows = read_avro(os.path.join(out, t["files"][0]))
            test.assertEqual(len(rows), t["rows_written"], t["name"])
            test.assertEqual(t["rows_written"], t["rows_expected"], t["name"])
        else:
            test.assertEqual(t["files"], [], t["name"])
            test.assertIsNone(t["schema_file"], t["name"])
    test.assertEqual(sorted(os.path.realpath(f) for f in data), sorted(claimed))


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-cli-")
        self.out = os.path.join(self.tmp, "out")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run()[0], 2)
        code, _, err = run("run", NW2008)
        self.assertEqual(code, 2)
        self.assertIn("-o OUT is required", err)
        code, _, err = run("run", "--codec", "lz4", NW2008, "-o", self.out)
        self.assertEqual(code, 2)
        self.assertIn('unknown codec "lz4"', err)
        code, _, err = run("run", "--deliver", "scp", NW2008, "-o", self.out)
        self.assertEqual(code, 2)
        self.assertIn('unknown delivery "scp" (bind, upload)', err)

    def test_direct_read_northwind_2008(self):
        code, out, err = run("run", NW2008, "-o", self.out, "--parallel", "3")
        self.assertEqual(code, 0, err)
        self.assertIn("Success: 13 tables exported, 0 failed", out)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual(job["status"], "Success")
        self.assertEqual(job["options"]["codec"], "snappy")  # the default
        self.assertEqual(job["vendor"], "sqlserver")
        self.assertEqual(job["database"], "Northwind")
        rows = {t["name"]: t["rows_written"] for t in job["tables"]}
        self.assertEqual(rows["Orders"], 830)
        self.assertEqual(rows["Order Details"], 2155)
        self.assertEqual(rows["Customers"], 91)
        self.assertEqual(sum(rows.values()), 3308)
        self.assertEqual([s["name"] for s in job["steps"]], ["detect", "read", "export"])
        od = next(t for t in job["tables"] if t["name"] == "Order Details")
        # Paths relative to the output folder, which is given once as an absolute path.
        self.assertEqual(od["files"], ["dbo/Order_Details/part-00000.avro"])
        self.assertEqual(od["schema_file"], "dbo/Order_Details/part-00000.avsc")
        self.assertEqual(job["output_dir_absolute"], os.path.realpath(self.out))
        # Keys from the backup's catalog, as instnwnd.sql declares them: every
        # Northwind table has one.
        keys = {t["name"]: t["primary_key"] for t in job["tables"]}
        self.assertEqual(keys["Categories"], ["CategoryID"])
        self.assertEqual(keys["Order Details"], ["OrderID", "ProductID"])
        self.assertEqual(keys["EmployeeTerritories"], ["EmployeeID", "TerritoryID"])
        self.assertEqual([t for t, k in keys.items() if not k], [])

        schema, shippers = read_avro(os.path.join(self.out, "dbo", "Shippers", "part-00000.avro"))
        self.assertEqual(schema["name"], "Shippers")
        self.assertEqual([(r["ShipperID"], r["CompanyName"], r["Phone"]) for r in shippers], [
            (1, "Speedy Express", "(503) 555-9831"),
            (2, "United Package", "(503) 555-3199"),
            (3, "Federal Shipping", "(503) 555-9931"),
        ])
        schema, orders = read_avro(os.path.join(self.out, "dbo", "Orders", "part-00000.avro"))
        fields = {f["name"]: f for f in schema["fields"]}
        self.assertEqual(fields["OrderDate"]["type"][1], {"type": "long", "logicalType": "local-timestamp-micros"})
        self.assertEqual(fields["Freight"]["type"][1]["logicalType"], "decimal")
        self.assertEqual(fields["OrderDate"]["doc"], "OrderDate datetime")
        first = orders[0]
        self.assertEqual(first["OrderID"], 10248)
        self.assertEqual(first["OrderDate"], 836438400000000)  # 1996-07-04 00:00:00
        self.assertEqual(str(first["Freight"]), "32.3800")
        # Nothing temporary left behind.
        leftovers = [f for _, _, fs in os.walk(self.out) for f in fs if ".tmp" in f]
        self.assertEqual(leftovers, [])

    def test_direct_read_oracle_exp(self):
        code, out, err = run("run", EXPTEST, "-o", self.out)
        self.assertEqual(code, 0, err)
        self.assertIn("Success: 4 tables exported, 0 failed", out)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual(job["vendor"], "oracle")
        self.assertEqual([s["name"] for s in job["steps"]], ["detect", "read", "export"])
        rows = {t["name"]: t["rows_written"] for t in job["tables"]}
        self.assertEqual(rows, {"IGNORE": 0, "IGNORE2": 0, "TABLE1": 7, "TABLE2": 4})
        schema, t1 = read_avro(os.path.join(self.out, "EXPTEST", "TABLE1", "part-00000.avro"))
        fields = {f["name"]: f for f in schema["fields"]}
        self.assertEqual(fields["NUMCOL1"]["type"][1], {"type": "bytes", "logicalType": "decimal",
                                                         "precision": 22, "scale": 0})
        self.assertEqual(t1[0]["NUMCOL1"], 123)
        self.assertEqual(str(t1[0]["FLOATCOL1"]).rstrip("0"), "3.56789")
        self.assertTrue(all(r["BLOBCOL1"] is None for r in t1))

    def test_job_json_of_a_relative_output_reads_from_another_folder(self):
        p = subprocess.run([CLI, "run", "-q", NW2008, "--include", "Shippers", "-o", "rel/out"], cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        job = json.load(open(os.path.join(self.tmp, "rel", "out", "job.json")))
        self.assertEqual(job["output_dir"], "rel/out")  # as given
        self.assertEqual(job["output_dir_absolute"], os.path.realpath(os.path.join(self.tmp, "rel", "out")))
        shippers = next(t for t in job["tables"] if t["name"] == "Shippers")
        self.assertEqual(shippers["files"], ["dbo/Shippers/part-00000.avro"])
        schema, rows = read_avro(os.path.join(job["output_dir_absolute"], shippers["files"][0]))  # from this test's cwd
        self.assertEqual(len(rows), 3)
        # ShipperID int and CompanyName nvarchar(40) are NOT NULL in instnwnd.sql: required fields
        self.assertEqual([(f["name"], f["type"], f.get("default", "none")) for f in schema["fields"]],
                         [("ShipperID", "int", "none"), ("CompanyName", "string", "none"),
                          ("Phone", ["null", "string"], None)])
        self.assertEqual(rows[1], {"ShipperID": 2, "CompanyName": "United Package", "Phone": "(503) 555-3199"})

    def test_oracle_exp_table_it_cannot_decode_fails_alone(self):
        code, out, err = run("run", RJLEGACY, "-o", self.out)
        self.assertEqual(code, 1, err)
        self.assertIn("25 tables exported, 2 failed", out)
        # the file stops inside its last table, with no EXIT: that table is not vouched for
        self.assertIn("table AUDITLOG.CHANGE_LOG: the dump ends inside this table without exp's closing EXIT records", err)
        self.assertIn("INVENTORY.PRODUCT_SPECS", err)
        self.assertIn("cut its CREATE TABLE off at column SPEC, whose type classic exp cannot write", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        tx = next(t for t in job["tables"] if t["name"] == "TRANSACTIONS")
        self.assertEqual(tx["kind"], "partitioned table")
        self.assertEqual(tx["partitions"], ["P_2024_Q1", "P_2024_Q2", "P_2024_Q3", "P_2024_Q4", "P_MAX"])
        self.assertEqual(tx["rows_written"], 100)
        self.assertNotIn("partitions", next(t for t in job["tables"] if t["name"] == "ACCOUNTS"))

    def test_direct_read_oracle_datapump(self):
        # SCOTT: DEPT 4, EMP 14 (SUM(SAL) 29,025), SALGRADE 5; BONUS has 0 rows and
        # no data segment, so its columns are unknown: it fails alone, saying why.
        code, out, err = run("run", SCOTT_DP, "-o", self.out)
        self.assertEqual(code, 1, err)
        self.assertIn("3 tables exported, 1 failed", out)
        self.assertIn("SCOTT.BONUS: Data Pump wrote no data segment for this table", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        rows = {t["name"]: t["rows_written"] for t in job["tables"] if t["name"] != "BONUS"}
        self.assertEqual(rows, {"DEPT": 4, "EMP": 14, "SALGRADE": 5})
        schema, emp = read_avro(os.path.join(self.out, "SCOTT", "EMP", "part-00000.avro"))
        fields = {f["name"]: f for f in schema["fields"]}
        # EMPNO NUMBER(4) NOT NULL is a required field; the others stay ["null", T]
        dec72 = {"type": "bytes", "logicalType": "decimal", "precision": 7, "scale": 2}
        self.assertEqual([(f["name"], f["type"], f.get("default", "none")) for f in schema["fields"]],
                         [("EMPNO", "long", "none"), ("ENAME", ["null", "string"], None),
                          ("JOB", ["null", "string"], None), ("MGR", ["null", "long"], None),
                          ("HIREDATE", ["null", {"type": "long", "logicalType": "local-timestamp-micros"}], None),
                          ("SAL", ["null", dec72], None), ("COMM", ["null", dec72], None),
                          ("DEPTNO", ["null", "long"], None)])
        self.assertEqual(fields["SAL"]["type"][1], dec72)
        self.assertEqual(sum(r["SAL"] for r in emp), 29025)
        smith = next(r for r in emp if r["ENAME"] == "SMITH")
        self.assertEqual(smith["HIREDATE"], 345859200000000)  # 1980-12-17 00:00:00
        self.assertIsNone(smith["COMM"])

    def test_oracle_datapump_set_files_named(self):
        # File 1 of a DUMPFILE=...%U set given alone: its master table names every file the job
        # wrote. Made from SCOTT: a second copy of the master's dump-file row (USER_FILE_NAME
        # scott_02.dmp) appended to its rows, and EMP's segment descriptor blanked, as if its
        # data were in that file.
        data = bytearray(open(SCOTT_DP, "rb").read())
        be = lambda b: int.from_bytes(b, "big")
        bs = be(data[0x23:0x27])
        seg = be(data[0x36:0x3a]) * bs  # the master table's segment, from the header
        desc = seg - bs
        self.assertEqual(data[desc:desc + 4], b"\xff\xff\x24\x24")
        xml_len, data_len = be(data[desc + 6:desc + 14]), be(data[desc + 22:desc + 30])
        xml = bytes(data[seg + 2:seg + xml_len])
        cols = []
        for item in xml.split(b"<COL_LIST_ITEM>")[1:]:
            name = item.split(b"<NAME>")[1].split(b"</NAME>")[0]
            ty = int(item.split(b"<TYPE_NUM>")[1].split(b"</TYPE_NUM>")[0])
            cols.append((name, ty in (112, 113)))
        order = [n for n, lob in cols if not lob] + [n for n, lob in cols if lob]
        at_file = order.index(b"USER_FILE_NAME")
        p = seg + xml_len + (-(seg + xml_len) % 8)
        end = p + data_len
        file_row = None
        while p < end:
            start, flag = p, data[p]
            p += 3 if flag == 0x3C else 1
            ncols = data[p]
            p += 1
            if flag == 0 and ncols == 0:
                break
            cells = []
            for _ in range(ncols):
                n = data[p]
                p += 1
                if n == 0xFE:
                    n = be(data[p:p + 2])
                    p += 2
                cells.append(None if n == 0xFF else bytes(data[p:p + n]))
                p += 0 if n == 0xFF else n
            if flag == 0x0C and ncols > at_file and cells[at_file] == b"scott.dmp":
                file_row = cells
        self.assertIsNotNone(file_row)
        file_row[at_file] = b"scott_02.dmp"
        row = bytes([0x0C, len(file_row)]) + b"".join(b"\xff" if c is None else bytes([len(c)]) + c for c in file_row)
        self.assertTrue(all(b == 0 for b in data[end:end + len(row)]))  # padding after the rows
        data[end:end + len(row)] = row
        data[desc + 22:desc + 30] = (data_len + len(row)).to_bytes(8, "big")
        data[0x12000:0x12006] = bytes(6)  # EMP's descriptor
        dump = os.path.join(self.tmp, "scott_01.dmp")
        open(dump, "wb").write(bytes(data))
        code, out, err = run("inspect", dump)
        doc = json.loads(out)
        doc = doc[0] if isinstance(doc, list) else doc
        contents = (doc["inputs"][0] if "inputs" in doc else doc)["contents"]
        self.assertEqual(contents["dump_files"], ["scott.dmp", "scott_02.dmp"])
        emp = next(t for t in contents["tables"] if t["name"] == "EMP")
        self.assertIn("the dump's master table records 14 rows for this table, but no data segment of it is in "
                      "this file", emp["error"])
        self.assertIn("; the job wrote 2 dump files: scott.dmp, scott_02.dmp", emp["error"])

    def test_oracle_replaced_bytes_reported(self):
        # A byte with no character in AL32UTF8 (0xFF over the A of DEPT's
        # ACCOUNTING) is written as U+FFFD: the table still succeeds, and the
        # count is in the Job and in a warning, not silent.
        data = bytearray(open(SCOTT_DP, "rb").read())
        at = data.index(b"\x0aACCOUNTING\x08NEW YORK")
        data[at + 1] = 0xFF
        dump = os.path.join(self.tmp, "scott_ff.dmp")
        open(dump, "wb").write(bytes(data))
        code, out, err = run("run", dump, "-o", self.out)
        self.assertEqual(code, 1, err)  # BONUS fails, as in the original
        self.assertIn("warning: SCOTT.DEPT: 1 byte(s) of text had no character in their column's character "
                      "set and were written as U+FFFD", err)
        self.assertNotIn("error: SCOTT.DEPT", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        tables = {t["name"]: t for t in job["tables"]}
        self.assertEqual(tables["DEPT"]["status"], "Success")
        self.assertEqual(tables["DEPT"]["replaced_bytes"], 1)
        self.assertNotIn("replaced_bytes", tables["EMP"])
        _, dept = read_avro(os.path.join(self.out, "SCOTT", "DEPT", "part-00000.avro"))
        self.assertEqual(dept[0]["DNAME"], "\ufffdCCOUNTING")

    def test_include_exclude(self):
        code, out, err = run("run", NW2008, "-o", self.out, "--include", "dbo.*Order*", "--exclude", "*Details")
        self.assertEqual(code, 0, err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        chosen = sorted(t["name"] for t in job["tables"] if t["selected"])
        self.assertEqual(chosen, ["Orders"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "dbo", "Customers")))

    def test_full_disk_fails_tables_whole(self):
        # Output on small real file systems; the Job JSON elsewhere, so it can
        # say what happened. A table whose .avro or .avsc could not be written
        # is Failed and leaves no final name; the job exits 1.
        job_json = os.path.join(self.tmp, "job.json")
        seen = set()
        for size in ["64k", "100k", "160k", "240k", "400k"]:
            with self.subTest(size=size):
                out = os.path.join(mount_tmpfs(self, size), "out")
                code, stdout, err = run("run", NW2008, "-o", out, "--job-json", job_json, "--parallel", "1",
                                        "--overwrite")
                job = json.load(open(job_json))
                failed = [t for t in job["tables"] if t["status"] == "Failed"]
                self.assertEqual(code, 1 if failed else 0, err)
                self.assertEqual(job["status"], "Failed" if failed else "Success")
                self.assertIn("%s: %d tables exported, %d failed" % (job["status"], 13 - len(failed), len(failed)),
                              stdout)
                for t in failed:
                    self.assertIn("No space left on device", t["message"])
                    seen.add("avsc" if ".avsc: write failed" in t["message"] else "avro")
                assert_output_is_honest(self, out, job)
        # Both halves of the pair failed somewhere in these runs.
        self.assertEqual(seen, {"avro", "avsc"})

    def test_full_disk_job_json_fails_the_job(self):
        # The Job JSON on a full file system. It is first written before any
        # table (listing the files to come), so the run fails at once: exit 3.
        full = mount_tmpfs(self, "64k")
        fd = os.open(os.path.join(full, "filler"), os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        os.close(fd)
        job_json = os.path.join(full, "job.json")
        code, stdout, err = run("run", NW2008, "-o", self.out, "--job-json", job_json)
        self.assertEqual(code, 3, err)
        self.assertIn("Failed: 0 tables exported, 0 failed", stdout)
        self.assertIn("could not write the Job JSON to %s: No space left on device" % job_json, err)
        self.assertEqual(os.listdir(full), ["filler"])
        self.assertEqual(list(os.walk(self.out)), [(self.out, [], [])])

        # Everything on one 400 KB file system, as reported: never Success.
        out = os.path.join(mount_tmpfs(self, "400k"), "out")
        code, stdout, err = run("run", NW2008, "-o", out)
        self.assertIn(code, (1, 3), err)
        self.assertNotIn("Success", stdout)
        job = json.load(open(os.path.join(out, "job.json"))) if code == 1 else None
        if code == 3:
            self.assertIn("could not write the Job JSON", err)
        assert_output_is_honest(self, out, job)

    def test_run_that_could_not_finish_its_job_json_is_replaced_by_overwrite(self):
        # Room for the first Job JSON but not for the last (the rename needs
        # the old and the new at once): every table is written, the final Job
        # JSON is not. What is left is the state of a run killed at its end.
        code, _, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 0, err)
        size = os.path.getsize(os.path.join(self.out, "job.json"))
        small = mount_tmpfs(self, "%dk" % ((size * 3 // 2) // 4096 * 4 + 4))
        job_json = os.path.join(small, "job.json")
        out = os.path.join(self.tmp, "out2")
        code, stdout, err = run("run", NW2008, "-o", out, "--job-json", job_json)
        self.assertEqual(code, 3, err)
        self.assertIn("Failed: 13 tables exported, 0 failed", stdout)
        self.assertIn("could not write the Job JSON to %s: No space left on device" % job_json, err)
        left = json.load(open(job_json))
        self.assertEqual(left["status"], "Running")  # never Success
        self.assertEqual([t["files"] for t in left["tables"]], [[]] * 13)  # claims no file
        on_disk = [os.path.realpath(f) for f in files_under(out) if f.endswith((".avro", ".avsc"))]
        self.assertEqual(len(on_disk), 26)
        self.assertEqual(sorted(os.path.realpath(os.path.join(out, f)) for f in left["incomplete_files"]), on_disk)

        # Once there is room, --overwrite replaces that output whole.
        subprocess.run(["mount", "-o", "remount,size=1m", small], check=True)
        code, stdout, err = run("run", NW2008, "-o", out, "--job-json", job_json, "--overwrite",
                                "--include", "dbo.Shippers")
        self.assertEqual(code, 0, err)
        shippers = os.path.join(out, "dbo", "Shippers")
        self.assertEqual(files_under(out), [os.path.join(shippers, "part-00000.avro"),
                                            os.path.join(shippers, "part-00000.avsc")])
        job = json.load(open(job_json))
        self.assertEqual((job["status"], job["incomplete_files"]), ("Success", []))

    def test_used_output_folder_is_refused(self):
        # As Spark's errorifexists and Sqoop's --target-dir: a second run into a
        # used folder is refused and leaves the earlier output as it was.
        code, _, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 0, err)
        before = {f: os.path.getmtime(f) for f in files_under(self.out)}
        code, out, err = run("run", NW2008, "-o", self.out, "--include", "dbo.Shippers")
        self.assertEqual(code, 2, err)
        self.assertIn("the output folder %s is not empty; give a new or empty folder, or --overwrite" % self.out, err)
        self.assertNotIn("Success", out)
        self.assertEqual({f: os.path.getmtime(f) for f in files_under(self.out)}, before)
        # A folder with someone else's file is used too.
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        open(os.path.join(other, "notes.txt"), "w").write("mine\n")
        code, _, err = run("run", NW2008, "-o", other)
        self.assertEqual(code, 2, err)
        self.assertEqual(os.listdir(other), ["notes.txt"])

    def test_overwrite_replaces_an_earlier_output_whole(self):
        code, _, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 0, err)
        # What an earlier run may also have left: a second part file its Job
        # JSON lists, and temporary files of a run that was killed.
        job_path = os.path.join(self.out, "job.json")
        job = json.load(open(job_path))
        orders = next(t for t in job["tables"] if t["name"] == "Orders")
        part1 = orders["files"][0].replace("part-00000", "part-00001")
        shutil.copy(os.path.join(self.out, orders["files"][0]), os.path.join(self.out, part1))
        orders["files"].append(part1)
        json.dump(job, open(job_path, "w"))
        open(os.path.join(self.out, "dbo", "Orders", "part-00000.avro.tmp-0123abcd"), "w").write("partial")
        open(os.path.join(self.out, "job.json.tmp-" + "ab" * 16), "w").write("{")

        code, stdout, err = run("run", NW2008, "-o", self.out, "--overwrite", "--include", "dbo.Shippers")
        self.assertEqual(code, 0, err)
        self.assertIn("Success: 1 tables exported, 0 failed", stdout)
        new_job = json.load(open(job_path))
        self.assertNotEqual(new_job["job_id"], job["job_id"])
        shippers = os.path.join(self.out, "dbo", "Shippers")
        self.assertEqual(files_under(self.out), sorted([job_path, os.path.join(shippers, "part-00000.avro"),
                                                        os.path.join(shippers, "part-00000.avsc")]))
        self.assertEqual(sorted(os.listdir(os.path.join(self.out, "dbo"))), ["Shippers"])
        self.assertEqual(len(read_avro(os.path.join(shippers, "part-00000.avro"))[1]), 3)

    def test_overwrite_after_a_failed_run(self):
        # A failed run leaves only its job.json: that folder is ours too.
        code, _, err = run("run", STRIPE, "-o", self.out)
        self.assertEqual(code, 3, err)
        self.assertEqual(os.listdir(self.out), ["job.json"])
        code, _, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 2, err)
        code, stdout, err = run("run", NW2008, "-o", self.out, "--overwrite")
        self.assertEqual(code, 0, err)
        self.assertIn("Success: 13 tables exported, 0 failed", stdout)

    def test_overwrite_after_a_killed_run_removes_every_part_of_its_unfinished_tables(self):
        # A run killed mid-export: its Job JSON (written at the export's start)
        # lists only the first part of each table, but a table rolled over at
        # --max-file-rows (or split) had put more parts in place. They are ours.
        code, _, err = run("run", NW2008, "-o", self.out, "--max-file-rows", "100")
        self.assertEqual(code, 0, err)
        job_path = os.path.join(self.out, "job.json")
        job = json.load(open(job_path))
        orders = next(t for t in job["tables"] if t["name"] == "Orders")
        self.assertEqual(len(orders["files"]), 9)  # 830 rows
        job["status"] = "Running"
        job["incomplete_files"] = [orders["files"][0], orders["schema_file"]]
        orders["files"], orders["schema_file"], orders["status"] = [], None, "Running"
        json.dump(job, open(job_path, "w"))
        orders_dir = os.path.join(self.out, "dbo", "Orders")
        open(os.path.join(orders_dir, "part-00000.s00001-00002.avro.tmp-0123abcd"), "w").write("partial")

        # Nothing else in such a folder, nor parts in a finished table's folder.
        for extra in [os.path.join(orders_dir, "part-1.avro"), os.path.join(orders_dir, "part-00009.avro.bak"),
                      os.path.join(orders_dir, "notes.txt"), os.path.join(self.out, "dbo", "Shippers", "part-00001.avro")]:
            open(extra, "w").write("mine")
            before = files_under(self.tmp)
            code, _, err = run("run", NW2008, "-o", self.out, "--overwrite")
            self.assertEqual(code, 2, err)
            self.assertIn("%s is not listed there" % extra, err)
            self.assertEqual(files_under(self.tmp), before)
            os.unlink(extra)

        code, stdout, err = run("run", NW2008, "-o", self.out, "--overwrite", "--include", "dbo.Shippers")
        self.assertEqual(code, 0, err)
        shippers = os.path.join(self.out, "dbo", "Shippers")
        self.assertEqual(files_under(self.out), sorted([job_path, os.path.join(shippers, "part-00000.avro"),
                                                        os.path.join(shippers, "part-00000.avsc")]))

    def test_overwrite_deletes_nothing_the_earlier_job_did_not_write(self):
        code, _, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 0, err)
        job_path = os.path.join(self.out, "job.json")
        outside = os.path.join(self.tmp, "outside")
        os.mkdir(outside)
        open(os.path.join(outside, "keep.avro"), "w").write("not ours")

        def refused(extra, message):
            before = files_under(self.tmp)
            code, stdout, err = run("run", NW2008, "-o", self.out, "--overwrite")
            self.assertEqual(code, 2, err)
            self.assertIn(message, err)
            self.assertIn("nothing was deleted", err)
            self.assertEqual(files_under(self.tmp), before)
            if extra and (os.path.islink(extra) or os.path.isfile(extra)):
                os.unlink(extra)

        # A file the earlier job did not list, even one named like ours.
        for extra in [os.path.join(self.out, "notes.txt"), os.path.join(self.out, "dbo", "Orders", "part-00009.avro")]:
            open(extra, "w").write("mine")
            refused(extra, "%s is not listed there" % extra)
        # A symbolic link to a folder outside: never followed.
        link = os.path.join(self.out, "dbo", "Elsewhere")
        os.symlink(outside, link)
        refused(link, "%s is not listed there" % link)

        # A Job JSON whose paths climb out of the folder or are absolute elsewhere.
        job = json.load(open(job_path))
        original = json.dumps(job)
        for hostile in [os.path.join("..", "outside", "keep.avro"), os.path.join(outside, "keep.avro")]:
            job = json.loads(original)
            job["tables"][0]["files"] = [hostile]
            json.dump(job, open(job_path, "w"))
            refused(None, "lists %s, which is not inside its output folder" % hostile)
        self.assertTrue(os.path.exists(os.path.join(outside, "keep.avro")))

        # A folder with no job.json is not an earlier bak2avro output.
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        open(os.path.join(other, "data.avro"), "w").write("mine")
        code, _, err = run("run", NW2008, "-o", other, "--overwrite")
        self.assertEqual(code, 2, err)
        self.assertIn("holds no job.json of an earlier bak2avro run", err)
        self.assertEqual(os.listdir(other), ["data.avro"])

    def test_overwrite_with_a_job_json_kept_elsewhere_checks_the_folder_it_describes(self):
        # Two runs with the same relative -o from different folders: the Job
        # JSON of the first describes a/out, so it cannot clear b/out.
        job_json = os.path.join(self.tmp, "kept.json")
        for d in ("a", "b"):
            os.mkdir(os.path.join(self.tmp, d))
        p = subprocess.run([CLI, "run", "-q", NW2008, "--include", "dbo.Shippers", "-o", "out", "--job-json",
                            job_json], cwd=os.path.join(self.tmp, "a"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        shutil.copytree(os.path.join(self.tmp, "a", "out"), os.path.join(self.tmp, "b", "out"))
        before = files_under(self.tmp)
        p = subprocess.run([CLI, "run", "-q", NW2008, "--include", "dbo.Shippers", "-o", "out", "--job-json",
                            job_json, "--overwrite"], cwd=os.path.join(self.tmp, "b"), capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("%s describes the output folder %s, not out: nothing was deleted"
                      % (job_json, os.path.join(os.path.realpath(self.tmp), "a", "out")), p.stderr)
        self.assertEqual(files_under(self.tmp), before)

    def test_half_a_striped_set_is_refused(self):
        code, out, err = run("run", STRIPE, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("stripe 1 of 2", err)
        self.assertIn(os.path.basename(STRIPE), err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual(job["status"], "Failed")
        self.assertEqual(job["tables"], [])

    def test_inspect_shows_the_headers_next_to_any_error(self):
        # Half a striped set cannot be read, but its headers can: inspect shows
        # them with the reason, instead of "contents": null.
        code, out, err = run("inspect", STRIPE)
        inspected = json.loads(out)["inputs"][0]
        self.assertIn("stripe 2 is missing: give all 2 files together", inspected["error"])
        contents = inspected["contents"]
        self.assertEqual(contents["database"], "Northwind")
        self.assertEqual(contents["header"]["backup_name"], "Northwind-Full Database Backup")
        self.assertEqual(contents["header"]["backup_date"], "2024-12-09 18:58:10")
        self.assertEqual(contents["labels"]["media_set_id"], "258e4405-8273-410d-aa5f-7f0ff53b9a3e")
        self.assertEqual(contents["labels"]["family_count"], 2)
        self.assertEqual([f["sequence"] for f in contents["labels"]["families"]], [1])
        self.assertEqual([f["logical_name"] for f in contents["files"]], ["Northwind", "Northwind_log"])
        self.assertEqual(contents["tables"], [])

    def test_inspect_shows_the_headers_of_a_truncated_backup(self):
        cut = os.path.join(self.tmp, "cut.bak")
        open(cut, "wb").write(open(NW2008, "rb").read()[:2000000])
        code, out, err = run("inspect", cut)
        self.assertEqual(code, 3)
        inspected = json.loads(out)["inputs"][0]
        self.assertIn("cut.bak: truncated", inspected["error"])
        header = inspected["contents"]["header"]
        self.assertEqual(header["backup_name"], "Northwind-Full Database Backup")
        self.assertEqual(header["backup_date"], "2021-04-28 19:55:38")
        self.assertEqual(header["checkpoint_lsn"], "37000000029700073")
        self.assertEqual(inspected["contents"]["tables"], [])

    def test_inspect_sql2005_lists_its_tables_and_keys(self):
        code, out, err = run("inspect", NW2005)
        self.assertEqual(code, 0, err)
        contents = json.loads(out)["inputs"][0]["contents"]
        self.assertEqual(contents["header"]["database_version"], 611)
        tables = {t["name"]: t for t in contents["tables"]}
        self.assertEqual(len(tables), 13)
        self.assertEqual(tables["Order Details"]["rows"], 2155)
        self.assertEqual(tables["Order Details"]["primary_key"], ["OrderID", "ProductID"])
        self.assertEqual([(c["name"], c["nullable"]) for c in tables["Categories"]["columns"]],
                         [("CategoryID", False), ("CategoryName", False), ("Description", True), ("Picture", True)])

    def test_foreign_file_is_refused_naming_it(self):
        path = os.path.join(self.tmp, "photo.bak")
        with open(path, "wb") as f:
            f.write(bytes(range(256)) * 8)
        code, _, err = run("run", path, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("photo.bak", err)
        self.assertIn("not a backup", err)

    def test_odd_inputs_are_refused_at_once(self):
        # Opening a FIFO for reading waits for a writer: the command must look at
        # what the path is before it opens it, and refuse anything but a regular
        # file or a pg_dump directory, naming the path and what it is.
        fifo = os.path.join(self.tmp, "backup.fifo")
        os.mkfifo(fifo)
        sock_path = os.path.join(self.tmp, "backup.sock")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(sock_path)
        self.addCleanup(sock.close)
        empty_dir = os.path.join(self.tmp, "not-a-dump")
        os.mkdir(empty_dir)
        fifo_toc_dir = os.path.join(self.tmp, "fifo-toc")
        os.mkdir(fifo_toc_dir)
        os.mkfifo(os.path.join(fifo_toc_dir, "toc.dat"))
        cases = [
            (fifo, fifo + ": is a FIFO (named pipe), not a backup file"),
            (sock_path, sock_path + ": is a socket, not a backup file"),
            ("/dev/null", "/dev/null: is a character device, not a backup file"),
            (empty_dir, empty_dir + ": a directory, but not a pg_dump directory archive (no toc.dat)"),
            (fifo_toc_dir, os.path.join(fifo_toc_dir, "toc.dat") + ": is a FIFO (named pipe), not a backup file"),
        ]
        for path, message in cases:
            with self.subTest(path=path):
                code, out, err = run("run", path, "-o", self.out, timeout=20)
                self.assertEqual(code, 3, err)
                self.assertIn(message, err)
                self.assertNotIn("Success", out)
                code, out, err = run("inspect", path, timeout=20)
                self.assertNotEqual(code, 0, err)
                self.assertIn(message, err)

    def test_pg_dumpall_named_tar_is_refused_clearly(self):
        code, _, err = run("run", DUMPALL, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("pg_dumpall", err)

    def test_sqlserver_container_restore_needs_the_licence_accepted(self):
        code, _, err = run("run", "--restore", NW2008, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("pass --accept-eula", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertIsNone(job["container_id"])

    def test_backup_the_reader_cannot_serve_goes_to_a_container_restore(self):
        # A log backup (made here by setting the SSET's MTF incremental bit on a
        # copy) is refused by the reader; in auto mode the job hands it to the SQL
        # Server container path, which wants the licence accepted and its full backup.
        data = bytearray(open(NW2008, "rb").read())
        sset = data.find(b"SSET")
        data[sset + 52] = (data[sset + 52] & ~0x04) | 0x10
        log = os.path.join(self.tmp, "log.bak")
        open(log, "wb").write(bytes(data))
        code, _, err = run("run", log, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("pass --accept-eula", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        read = next(s for s in job["steps"] if s["name"] == "read")
        self.assertEqual(read["status"], "Skipped")
        self.assertIn("log.bak is a transaction log backup", read["message"])
        self.assertIsNone(job["container_id"])
        code, _, err = run("run", "--accept-eula", log, "-o", self.out, "--overwrite")
        self.assertEqual(code, 3)
        self.assertIn("give the full backup together with it", err)

    def test_differential_alone_names_the_full_backup_it_needs(self):
        diff = os.path.join(SAMPLES, "sqlserver", "restoretimeclean_sql2008r2_diff__dataplat.bak")
        for mode in ([], ["--direct"]):
            code, _, err = run("run", *mode, diff, "-o", self.out, "--overwrite")
            self.assertEqual(code, 3)
            self.assertIn("restoretimeclean_sql2008r2_diff__dataplat.bak is a differential backup of database "
                          "RestoreTimeClean taken 2017-06-01 13:14:13: it holds only the extents changed since its "
                          "full backup (database RestoreTimeClean, taken before 2017-06-01 13:14:13; LSN "
                          "25000000006200170, backup set {5af3e50d-a4e0-4e9b-8aef-fe52898c6359}: "
                          "msdb.dbo.backupset.backup_set_uuid on its server gives its date); give that full "
                          "backup together with it", err)

    def test_inspect_pairs_a_differential_with_its_full(self):
        full = os.path.join(SAMPLES, "sqlserver", "restoretimeclean_sql2008r2_full__dataplat.bak")
        diff = os.path.join(SAMPLES, "sqlserver", "restoretimeclean_sql2008r2_diff__dataplat.bak")
        code, out, err = run("inspect", full, diff)
        f, d = (i["contents"]["header"] for i in json.loads(out)["inputs"])
        self.assertEqual(f["backup_type"], "database")
        self.assertEqual(d["backup_type"], "differential")
        self.assertEqual(f["checkpoint_lsn"], "25000000006200170")
        self.assertEqual(d["database_backup_lsn"], f["checkpoint_lsn"])
        self.assertEqual(d["differential_base_guid"], f["backup_set_guid"])
        self.assertEqual(f["backup_set_guid"], "5af3e50d-a4e0-4e9b-8aef-fe52898c6359")
        self.assertNotIn("differential_base_guid", f)

    def test_full_and_differential_read_together(self):
        # dbo.steps has its 30 rows only in the differential.
        full = os.path.join(SAMPLES, "sqlserver", "restoretimeclean_sql2008r2_full__dataplat.bak")
        diff = os.path.join(SAMPLES, "sqlserver", "restoretimeclean_sql2008r2_diff__dataplat.bak")
        code, out, err = run("run", diff, full, "-o", self.out)
        self.assertEqual(code, 0, err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual(job["status"], "Success")
        self.assertEqual(job["database"], "RestoreTimeClean")
        steps = next(t for t in job["tables"] if t["name"] == "steps")
        self.assertEqual((steps["rows_expected"], steps["rows_written"]), (30, 30))
        _, rows = read_avro(os.path.join(self.out, steps["files"][0]))
        self.assertEqual(sorted(r["step"] for r in rows), list(range(30)))

    def test_log_backup_is_refused_by_the_reader_naming_it(self):
        # A log backup carries MTF's INCREMENTAL bit in its SSET attributes (made
        # here on a copy of a full backup); the reader refuses it as holding log
        # records, and inspect reports its type.
        data = bytearray(open(NW2008, "rb").read())
        sset = data.find(b"SSET")
        data[sset + 52] = (data[sset + 52] & ~0x04) | 0x10
        log = os.path.join(self.tmp, "log.bak")
        open(log, "wb").write(bytes(data))
        code, _, err = run("run", "--direct", log, "-o", self.out)
        self.assertEqual(code, 3)
        self.assertIn("log.bak is a transaction log backup: it holds log records, not tables", err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "dbo")))
        code, out, err = run("inspect", log)
        self.assertEqual(code, 3)
        inspected = json.loads(out)["inputs"][0]
        self.assertEqual(inspected["contents"]["header"]["backup_type"], "log")
        self.assertEqual(inspected["contents"]["tables"], [])
        self.assertIn("is a transaction log backup", inspected["error"])

    def test_inspect_exits_3_on_any_input_not_read_whole(self):
        # One rule for every format: the JSON on stdout with the error and what
        # could be read, the message on stderr, exit 3.
        cut = os.path.join(self.tmp, "cut.bak")
        open(cut, "wb").write(open(NW2008, "rb").read()[:2000000])
        ora = os.path.join(SAMPLES, "oracle", "jliverse_datapump_scott.dmp")
        cut_dp = os.path.join(self.tmp, "cut.dmp")
        open(cut_dp, "wb").write(open(ora, "rb").read()[:200000])
        for path, what in ((STRIPE, "stripe 2 is missing"), (cut, "cut.bak: truncated"),
                           (cut_dp, "cut.dmp: truncated Data Pump dump")):
            code, out, err = run("inspect", path)
            self.assertEqual(code, 3, path)
            self.assertIn(what, err)
            inspected = json.loads(out)["inputs"][0]
            self.assertEqual(inspected["path"], path)
            self.assertEqual("bak2avro: " + inspected["error"] + "\n", err)
            self.assertFalse((inspected["contents"] or {}).get("tables_complete", False))
        code, out, err = run("inspect", ora)
        self.assertEqual(code, 0, err)
        self.assertTrue(json.loads(out)["inputs"][0]["contents"]["tables_complete"])
        # An input refused as invalid (a folder whose toc.dat path would pass PATH_MAX)
        # is reported alone; the input after it is still inspected; exit 3, not 2.
        deep = os.path.join(self.tmp, "deep")
        while len(deep) + 201 < 4090:
            deep = os.path.join(deep, "d" * 200)
        deep = os.path.join(deep, "e" * (4092 - len(deep) - 1))
        os.makedirs(deep)
        code, out, err = run("inspect", deep, ora)
        self.assertEqual(code, 3, err)
        inputs = json.loads(out)["inputs"]
        self.assertEqual([i["path"] for i in inputs], [deep, ora])
        self.assertTrue(inputs[0]["error"].startswith(deep[:900]))
        self.assertNotIn("error", inputs[1])
        self.assertTrue(inputs[1]["contents"]["tables_complete"])

    def test_run_refuses_a_script_dump_cut_short_before_any_container(self):
        # A pg_dump script cut between statements restores cleanly into a
        # smaller database: its missing closing line refuses it at detect.
        text = open(os.path.join(SAMPLES, "postgresql", "pagila-schema.sql"), "rb").read()
        cut = os.path.join(self.tmp, "cut.sql")
        open(cut, "wb").write(text[: text.index(b"\n--\n-- PostgreSQL database dump complete") + 1])
        code, _, err = run("run", cut, "-o", self.out, "--docker-host", "unix://" + os.path.join(self.tmp, "none.sock"))
        self.assertEqual(code, 3)
        self.assertIn("cut.sql: truncated pg_dump script: it does not end with the "
                      "\"-- PostgreSQL database dump complete\" line", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual([s["name"] for s in job["steps"]], ["detect", "cleanup"])
        self.assertIsNone(job["container_id"])
        # The same script cut before it was gzip'd: a whole gzip stream.
        shutil.rmtree(self.out)
        with gzip.open(cut + ".gz", "wb") as f:
            f.write(open(cut, "rb").read())
        code, _, err = run("run", cut + ".gz", "-o", self.out, "--docker-host", "unix://" + os.path.join(self.tmp, "none.sock"))
        self.assertEqual(code, 3)
        self.assertIn("cut.sql.gz: truncated pg_dump script: it does not end with the "
                      "\"-- PostgreSQL database dump complete\" line", err)
        job = json.load(open(os.path.join(self.out, "job.json")))
        self.assertEqual([s["name"] for s in job["steps"]], ["detect", "cleanup"])

    def test_inspect_bak(self):
        code, out, err = run("inspect", NW2008)
        self.assertEqual(code, 0, err)
        self.assertIn("Northwind", out)
        json.loads(out)


if __name__ == "__main__":
    if not os.path.isdir(SAMPLES):
        print("samples folder %r is absent: set B2A_SAMPLES" % SAMPLES)
        sys.exit(77)
    unittest.main()
