"""Tests of the Python binding against the real library and sample backups."""
import glob
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import bak2avro  # noqa: E402

SAMPLES = os.environ.get("B2A_SAMPLES") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "samples")
NORTHWIND = os.path.join(SAMPLES, "sqlserver", "northwind_sql2008_mtf__thuyluv.bak")
CHINOOK = os.path.join(SAMPLES, "postgresql", "chinook_pg15_custom.dump")
FREETIC = os.path.join(SAMPLES, "oracle", "freetic_car.dmp")


def need(path):
    if not os.path.exists(path):
        raise unittest.SkipTest("sample %s is absent (set B2A_SAMPLES)" % path)


class Binding(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-py-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_ctypes_mirrors_match_the_c_header(self):
        # tests/bindings/options_layout (built with the library) prints offsetof()
        # of every field; a field added to a header must be added here too.
        import ctypes
        import json
        import subprocess
        from bak2avro import _ffi
        exe = os.path.join(os.environ.get("B2A_BUILD_ROOT", ""), "tests", "bindings", "options_layout")
        if not os.path.exists(exe):
            self.skipTest("%s not built" % exe)
        layout = json.loads(subprocess.check_output([exe]))
        for cname, mirror in (("b2a_job_options", _ffi.JobOptions), ("b2a_progress", _ffi.Progress)):
            c = layout[cname]
            self.assertEqual(ctypes.sizeof(mirror), c["sizeof"], cname)
            self.assertEqual({f: getattr(mirror, f).offset for f, _ in mirror._fields_}, c["fields"], cname)

    def test_version(self):
        self.assertRegex(bak2avro.version(), r"^\d+\.\d+\.\d+$")

    def test_inspect_pg_archive(self):
        need(CHINOOK)
        info = bak2avro.inspect(CHINOOK)
        text = repr(info)
        self.assertIn("postgresql", text)

    def test_inspect_missing_file_names_it(self):
        with self.assertRaises(bak2avro.Error) as cm:
            bak2avro.inspect(os.path.join(self.tmp, "nope.bak"))
        self.assertIn("nope.bak", str(cm.exception))

    def test_inspect_truncated_dump_raises_with_what_was_read(self):
        need(CHINOOK)
        cut = os.path.join(self.tmp, "cut.dump")
        with open(CHINOOK, "rb") as f, open(cut, "wb") as g:
            g.write(f.read(3000))
        with self.assertRaises(bak2avro.FormatError) as cm:
            bak2avro.inspect([CHINOOK, cut])
        self.assertIn("cut.dump: truncated pg_dump archive", str(cm.exception))
        whole, part = cm.exception.document["inputs"]
        self.assertNotIn("error", whole)
        self.assertEqual(part["format_id"], "pg_custom")
        self.assertEqual(part["error"], str(cm.exception))

    def test_run_foreign_file_raises_format_error(self):
        path = os.path.join(self.tmp, "notes.bak")
        with open(path, "wb") as f:
            f.write(b"just some text, not a backup\n" * 10)
        with self.assertRaises(bak2avro.FormatError) as cm:
            bak2avro.run(path, os.path.join(self.tmp, "out"))
        self.assertIn("notes.bak", str(cm.exception))

    def test_run_direct_bak_with_progress(self):
        need(NORTHWIND)
        events = []
        out = os.path.join(self.tmp, "out")
        job = bak2avro.run(NORTHWIND, out, include=["dbo.Customers", "dbo.Shippers"],
                           progress=events.append)
        self.assertEqual(job["status"], "Success")
        tables = {t["name"]: t for t in job["tables"] if t["selected"]}
        self.assertEqual(set(tables), {"Customers", "Shippers"})
        self.assertEqual(tables["Customers"]["rows_written"], 91)
        self.assertEqual(tables["Shippers"]["rows_written"], 3)
        self.assertTrue(any(e.step == "export" and e.table == "dbo.Customers" for e in events))
        self.assertTrue(os.path.exists(os.path.join(out, "dbo", "Customers", "part-00000.avro")))

    def test_run_direct_oracle_exp(self):
        need(FREETIC)
        out = os.path.join(self.tmp, "out")
        job = bak2avro.run(FREETIC, out, include=["SCOTT.ZIPCODE", "SCOTT.EX_PREPARED"])
        self.assertEqual(job["status"], "Success")
        self.assertEqual(job["vendor"], "oracle")
        tables = {t["name"]: t for t in job["tables"] if t["selected"]}
        self.assertEqual(tables["ZIPCODE"]["rows_written"], 51925)
        self.assertEqual(tables["EX_PREPARED"]["rows_written"], 2)
        self.assertTrue(os.path.exists(os.path.join(out, "SCOTT", "ZIPCODE", "part-00000.avro")))

    def test_used_output_folder_needs_overwrite(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")
        first = bak2avro.run(NORTHWIND, out)
        with self.assertRaises(bak2avro.InvalidArgument) as cm:
            bak2avro.run(NORTHWIND, out, include=["dbo.Shippers"])
        self.assertIn("the output folder %s is not empty" % out, str(cm.exception))
        second = bak2avro.run(NORTHWIND, out, include=["dbo.Shippers"], overwrite=True)
        self.assertNotEqual(second["job_id"], first["job_id"])
        self.assertEqual(sorted(glob.glob(os.path.join(out, "*", "*", "part-*.avro"))),
                         [os.path.join(out, "dbo", "Shippers", "part-00000.avro")])

    def test_exception_in_callback_cancels_and_propagates(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")

        class Stop(Exception):
            pass

        def progress(p):
            if p.step == "export":
                raise Stop()

        with self.assertRaises(Stop):
            bak2avro.run(NORTHWIND, out, progress=progress)
        # Nothing half-written may look complete.
        self.assertEqual(glob.glob(os.path.join(out, "*", "*", "part-*.avro")), [])


if __name__ == "__main__":
    unittest.main()
