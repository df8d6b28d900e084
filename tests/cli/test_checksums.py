"""Page verification through the bak2avro command: a corrupt page fails its table (exit 1) naming
the page, the other tables are exported, --ignore-checksums salvages it, and the Job and inspect
report the database's PAGE_VERIFY setting and the pages verified."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import avro.datafile
import avro.io

CLI = os.environ["B2A_CLI"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
PUBS = os.path.join(SAMPLES, "sqlserver", "pubs_sql2012_mtf__UGR95.bak")
NW2008 = os.path.join(SAMPLES, "sqlserver", "northwind_sql2008_mtf__thuyluv.bak")


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def read_avro(path):
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        rows = list(reader)
        reader.close()
    return rows


class Checksums(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-cksum-")
        self.out = os.path.join(self.tmp, "out")
        # A copy of pubs with one bit of a publishers value flipped: 'New Moon Books' -> '...Bookr'.
        data = bytearray(open(PUBS, "rb").read())
        at = data.find(b"New Moon Books")
        self.assertGreater(at, 0)
        data[at + 13] ^= 0x01
        # The page holding it: pages are whole 8 KiB blocks whose header names their own id (+32).
        self.page = None
        for start in range(at - at % 512, max(at - 8192, 0), -512):
            if data[start] == 1 and int.from_bytes(data[start + 36:start + 38], "little") == 1 \
                    and start + 8192 > at:
                self.page = int.from_bytes(data[start + 32:start + 36], "little")
                break
        self.assertIsNotNone(self.page)
        self.bad = os.path.join(self.tmp, "pubs-flipped.bak")
        open(self.bad, "wb").write(bytes(data))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def job(self):
        return json.load(open(os.path.join(self.out, "job.json")))

    def test_corrupt_page_fails_its_table_only(self):
        code, out, err = run("run", self.bad, "-o", self.out)
        self.assertEqual(code, 1, out + err)
        job = self.job()
        self.assertEqual(job["status"], "Failed")
        tables = {t["name"]: t for t in job["tables"]}
        pub = tables["publishers"]
        self.assertEqual(pub["status"], "Failed")
        self.assertIn("page (1:%d) of dbo.publishers: checksum mismatch (stored 0x" % self.page, pub["message"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "dbo", "publishers", "part-00000.avro")))
        self.assertEqual([n for n, t in tables.items() if t["status"] != "Success"], ["publishers"])
        self.assertEqual(tables["authors"]["rows_written"], 26)
        v = job["page_verification"]
        self.assertEqual(v["database_page_verify"], "CHECKSUM")
        self.assertEqual(v["pages_failed_verification"], 1)
        self.assertEqual(len(v["failures"]), 1)
        self.assertIn(v["failures"][0], pub["message"])
        self.assertFalse(job["options"]["ignore_checksums"])

    def test_ignore_checksums_salvages_and_is_recorded(self):
        # Salvage is never a verified complete export: the table read from the bad page
        # ends Failed (so the job, exit 1), named with its page, and keeps its files.
        code, out, err = run("run", "--ignore-checksums", self.bad, "-o", self.out)
        self.assertEqual(code, 1, out + err)
        job = self.job()
        self.assertEqual(job["status"], "Failed")
        self.assertTrue(job["options"]["ignore_checksums"])
        self.assertEqual(job["page_verification"]["pages_failed_verification"], 1)
        failures = job["page_verification"]["failures"]
        self.assertEqual(len(failures), 1)
        self.assertTrue(failures[0].startswith("page (1:%d) of dbo.publishers: checksum mismatch (stored 0x" % self.page),
                        failures[0])
        tables = {t["name"]: t for t in job["tables"]}
        pub = tables["publishers"]
        self.assertEqual((pub["status"], pub["salvaged_pages"]), ("Failed", 1))
        self.assertEqual(pub["message"],
                         "salvaged, not verified: 1 page read(s) of this table failed checksum or torn-page "
                         "verification and were exported anyway (--ignore-checksums); the first: %s; "
                         "its files are kept" % failures[0])
        self.assertEqual((pub["files"], pub["schema_file"]),
                         (["dbo/publishers/part-00000.avro"], "dbo/publishers/part-00000.avsc"))
        # only publishers was read from the bad page: every other table is a verified Success
        self.assertEqual(sorted(n for n, t in tables.items() if t["status"] != "Success"), ["publishers"])
        self.assertNotIn("salvaged_pages", tables["authors"])
        names = [r["pub_name"] for r in read_avro(os.path.join(self.out, "dbo", "publishers", "part-00000.avro"))]
        self.assertIn("New Moon Bookr", names)
        self.assertIn("Failed: %d tables exported, 1 failed" % (len(tables) - 1), out)
        self.assertIn("exported anyway (--ignore-checksums); the first: page (1:%d) of dbo.publishers" % self.page,
                      out + err)
        # the salvaged files are listed, so --overwrite may replace this output
        code, out, err = run("run", PUBS, "-o", self.out, "--overwrite")
        self.assertEqual(code, 0, out + err)
        self.assertEqual(self.job()["status"], "Success")

    def test_clean_reads_report_what_was_verified(self):
        code, out, err = run("run", PUBS, "-o", self.out)
        self.assertEqual(code, 0, out + err)
        v = self.job()["page_verification"]
        self.assertEqual(v["database_page_verify"], "CHECKSUM")
        self.assertEqual(v["pages_failed_verification"], 0)
        self.assertGreater(v["pages_checksum_verified"], 100)
        self.assertEqual(v["pages_torn_bits_verified"], 0)
        self.assertEqual(v["pages_read"], v["pages_checksum_verified"] + v["pages_unprotected"])
        self.assertEqual(v["failures"], [])
        shutil.rmtree(self.out)
        code, out, err = run("run", NW2008, "-o", self.out)
        self.assertEqual(code, 0, out + err)
        v = self.job()["page_verification"]
        self.assertEqual(v["database_page_verify"], "TORN_PAGE_DETECTION")
        self.assertGreater(v["pages_torn_bits_verified"], 100)
        self.assertEqual(v["pages_checksum_verified"], 0)

    def test_inspect_reports_page_verify(self):
        for path, mode in ((PUBS, "CHECKSUM"), (NW2008, "TORN_PAGE_DETECTION")):
            code, out, err = run("inspect", path)
            self.assertEqual(code, 0, err)
            self.assertEqual(json.loads(out)["inputs"][0]["contents"]["header"]["page_verify"], mode)


if __name__ == "__main__":
    if not os.path.isfile(PUBS):
        print("sample backups absent (B2A_SAMPLES=%r): skipped" % SAMPLES)
        sys.exit(77)
    unittest.main()
