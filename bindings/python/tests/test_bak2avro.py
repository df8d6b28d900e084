"""Tests of the Python binding against the real library and sample backups."""
import glob
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import bak2avro  # noqa: E402

SAMPLES = os.environ.get("B2A_SAMPLES") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "samples")
NORTHWIND = os.path.join(SAMPLES, "sqlserver", "northwind_sql2008_mtf__thuyluv.bak")
CHINOOK = os.path.join(SAMPLES, "postgresql", "chinook_pg15_custom.dump")
FREETIC = os.path.join(SAMPLES, "oracle", "freetic_car.dmp")
PUBS = os.path.join(SAMPLES, "sqlserver", "pubs_sql2012_mtf__UGR95.bak")
PACKAGE = os.path.join(os.path.dirname(__file__), "..")


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
        for cname, mirror in (("b2a_job_options", _ffi.JobOptions), ("b2a_progress", _ffi.Progress),
                              ("b2a_source_options", _ffi.SourceOptions),
                              ("b2a_export_options", _ffi.ExportOptions),
                              ("b2a_container_options", _ffi.ContainerOptions),
                              ("b2a_restore_options", _ffi.RestoreOptions)):
            c = layout[cname]
            self.assertEqual(ctypes.sizeof(mirror), c["sizeof"], cname)
            self.assertEqual({f: getattr(mirror, f).offset for f, _ in mirror._fields_}, c["fields"], cname)

    def test_blocks_refuse_bad_arguments_with_value_error(self):
        with self.assertRaises(ValueError) as cm:
            bak2avro.Source("oracle://scott@db/orcl")
        self.assertIn("unknown URL scheme", str(cm.exception))
        with self.assertRaises(ValueError):
            bak2avro.Source("postgresql://u:secret@h:99999/d")
        with self.assertRaises(ValueError):
            bak2avro.Source("")
        with self.assertRaises(ValueError):
            bak2avro.Source("postgresql://u@h/d", via="jdbc")
        with self.assertRaises(ValueError) as cm:
            bak2avro.export_range("postgresql://u@h/d", "{}", 0, self.tmp)
        self.assertIn("not a split plan", str(cm.exception))
        with self.assertRaises(ValueError):
            bak2avro.export_range("postgresql://u@h/d", "{}", -1, self.tmp)
        with self.assertRaises(ValueError):
            bak2avro.export_range("postgresql://u@h/d", "{}", 0, "")
        with self.assertRaises(ValueError):
            bak2avro.export_range("postgresql://u@h/d", "{}", 0, self.tmp, codec="lz4")
        plan = {"plan_version": 1, "vendor": "postgresql", "schema": "public", "name": "t",
                "columns": [{"name": "id", "avro_type": "long"}], "ranges": [{"index": 0, "where": None}]}
        with self.assertRaises(ValueError) as cm:
            bak2avro.export_range("postgresql://u@h/d", plan, 1, self.tmp)
        self.assertIn("range 1: the plan of public.t has 1 ranges", str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            bak2avro.export_range("mysql://u@h/d", plan, 0, self.tmp)
        self.assertIn("is a mysql database but the plan is of postgresql", str(cm.exception))

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
        # The table's last report gives the bytes of its file.
        last = [e for e in events if e.table == "dbo.Customers"][-1]
        self.assertEqual((last.percent, last.rows_done, last.bytes_done),
                         (100.0, 91, os.path.getsize(os.path.join(out, "dbo", "Customers", "part-00000.avro"))))
        step, percent, table, rows_done, rows_expected = last  # still a 5-tuple
        self.assertEqual((table, rows_done), ("dbo.Customers", 91))

    def test_naive_timestamps_as_strings(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")
        job = bak2avro.run(NORTHWIND, out, include=["dbo.Orders"], naive_timestamps="string")
        self.assertEqual(job["options"]["naive_timestamps"], "string")
        orders = next(t for t in job["tables"] if t["name"] == "Orders")
        self.assertEqual(next(c["avro_type"] for c in orders["columns"] if c["name"] == "OrderDate"), "string")
        with self.assertRaises(bak2avro.InvalidArgument):
            bak2avro.run(NORTHWIND, os.path.join(self.tmp, "o2"), naive_timestamps="zoned")

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
        self.assertIsInstance(cm.exception, ValueError)
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

    def test_bad_arguments_raise_value_error_before_anything_starts(self):
        out = os.path.join(self.tmp, "out")
        for kw, msg in ((dict(codec="lz4"), "unknown codec 'lz4' (deflate, null, snappy)"),
                        (dict(parallel=-1), "parallel -1 is outside 0..256 (0 is the default, 2)"),
                        (dict(parallel=257), "parallel 257 is outside 0..256 (0 is the default, 2)"),
                        (dict(network="bridge"), "unknown network 'bridge' (auto, host, publish)"),
                        (dict(restore="fast"), "unknown restore mode 'fast' (auto, container, direct)"),
                        (dict(delivery="mail"), "unknown delivery 'mail' (bind, upload)"),
                        (dict(via="jdbc"), "unknown via 'jdbc' (auto, odbc)")):
            with self.subTest(**kw):
                with self.assertRaises(ValueError) as cm:
                    bak2avro.run(NORTHWIND, out, **kw)
                self.assertEqual(str(cm.exception), msg)
                self.assertIsInstance(cm.exception, bak2avro.InvalidArgument)
                self.assertEqual(cm.exception.code, -1)
        with self.assertRaisesRegex(ValueError, "^no backup file given$"):
            bak2avro.run([], out)
        with self.assertRaisesRegex(ValueError, "^no output folder given$"):
            bak2avro.run(NORTHWIND, "")
        # one path object is one backup file, as without a dsn (it was iterated, a TypeError)
        with self.assertRaisesRegex(ValueError, "^both backup files and a dsn: a job exports one or the other$"):
            bak2avro.run(pathlib.Path(NORTHWIND), out, dsn="postgresql://u@127.0.0.1:1/db")
        with self.assertRaises(TypeError):
            bak2avro.run(NORTHWIND, out, parallel="4")
        with self.assertRaises(TypeError):
            bak2avro.run(NORTHWIND, out, progress="not a function")
        self.assertFalse(os.path.exists(out))

    def test_run_takes_every_option_job_takes(self):
        import inspect
        run = inspect.signature(bak2avro.run).parameters
        job = inspect.signature(bak2avro.Job).parameters
        self.assertEqual([(n, p.default, p.annotation) for n, p in run.items() if n != "raise_on_failure"],
                         [(n, p.default, p.annotation) for n, p in job.items()])

    def test_one_include_string_is_one_pattern(self):
        need(NORTHWIND)
        job = bak2avro.run(NORTHWIND, os.path.join(self.tmp, "out"), include="dbo.Shippers")
        self.assertEqual([t["name"] for t in job["tables"] if t["selected"]], ["Shippers"])
        self.assertEqual(job["options"]["include"], ["dbo.Shippers"])

    def test_job_runs_in_a_with_block(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")
        with bak2avro.Job(NORTHWIND, out, include=["dbo.Shippers"]) as job:
            self.assertRegex(job.id, "^[0-9a-f]{32}$")
            self.assertEqual(job.status, "Pending")
            doc = job.run()
            self.assertEqual(job.status, "Success")
        self.assertEqual(doc["job_id"], job.id)
        self.assertEqual(doc["summary"], {"tables_ok": 1, "tables_failed": 0, "rows_written": 3})
        self.assertEqual(job.status, "Success")  # still known once closed
        with self.assertRaisesRegex(ValueError, "the job is closed"):
            job.document()
        job.close()  # twice is fine

    def test_leaving_the_with_block_cancels_a_running_job(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")
        with bak2avro.Job(NORTHWIND, out) as job:
            job.start()
            self.assertEqual(job.status, "Running")
        self.assertEqual(job.status, "Canceled")
        with open(os.path.join(out, "job.json")) as f:
            written = json.load(f)
        self.assertEqual(written["status"], "Canceled")
        self.assertEqual(written["job_id"], job.id)
        self.assertEqual(glob.glob(os.path.join(out, "*", "*", "part-*.avro")), [])

    def test_an_exception_in_the_with_block_cancels_the_job(self):
        need(NORTHWIND)
        out = os.path.join(self.tmp, "out")

        class Stop(Exception):
            pass

        with self.assertRaises(Stop):
            with bak2avro.Job(NORTHWIND, out) as job:
                job.start()
                raise Stop()
        self.assertEqual(job.status, "Canceled")
        self.assertEqual(glob.glob(os.path.join(out, "*", "*", "part-*.avro")), [])

    def test_closing_a_job_from_its_own_callback_is_refused(self):
        need(NORTHWIND)
        with bak2avro.Job(NORTHWIND, os.path.join(self.tmp, "out"),
                          progress=lambda p: job.close()) as job:
            with self.assertRaisesRegex(RuntimeError, "close from inside the job's own callback"):
                job.run()
            self.assertEqual(job.status, "Canceled")

    def test_failed_table_raises_job_failed(self):
        need(PUBS)
        # pubs with one bit of a publishers value flipped, as tests/cli/test_checksums.py.
        with open(PUBS, "rb") as f:
            data = bytearray(f.read())
        at = data.find(b"New Moon Books")
        data[at + 13] ^= 0x01
        bad = os.path.join(self.tmp, "pubs-flipped.bak")
        with open(bad, "wb") as f:
            f.write(data)
        with self.assertRaises(bak2avro.JobFailed) as cm:
            bak2avro.run(bad, os.path.join(self.tmp, "out"), include=["dbo.publishers", "dbo.jobs"])
        self.assertRegex(str(cm.exception), r"^1 tables failed: dbo\.publishers: pubs-flipped\.bak: page \(1:\d+\) of dbo\.publishers: "
                                            r"checksum mismatch")
        self.assertEqual(cm.exception.job["status"], "Failed")
        self.assertEqual(cm.exception.job["summary"]["tables_ok"], 1)

    def _python(self, code, **env):
        e = {k: v for k, v in os.environ.items() if k not in ("B2A_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
        e.update(env)
        return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=60)

    def test_library_is_found_by_b2a_library_or_by_its_soname(self):
        lib = os.environ.get("B2A_LIBRARY")
        if not lib:
            self.skipTest("B2A_LIBRARY is not set (tests/bindings/run-python.sh sets it)")
        show = "import bak2avro; print(bak2avro._ffi.lib._name, bak2avro.version())"
        p = self._python(show, PYTHONPATH=PACKAGE, B2A_LIBRARY=lib)
        self.assertEqual(p.stdout.split()[0], lib, p.stderr)
        p = self._python(show, PYTHONPATH=PACKAGE, LD_LIBRARY_PATH=os.path.dirname(lib))
        self.assertEqual(p.stdout.split(), ["libbak2avro.so.0", bak2avro.version()], p.stderr)
        missing = os.path.join(self.tmp, "libbak2avro.so.0")
        p = self._python("import bak2avro", PYTHONPATH=PACKAGE, B2A_LIBRARY=missing)
        self.assertIn("ImportError: bak2avro: cannot load B2A_LIBRARY=%s" % missing, p.stderr)
        p = self._python("import bak2avro", PYTHONPATH=PACKAGE)
        if p.returncode == 0:
            self.skipTest("libbak2avro.so.0 is installed on this system")
        self.assertIn("ImportError: bak2avro: the dynamic loader cannot find libbak2avro.so.0", p.stderr)
        self.assertIn("set B2A_LIBRARY to its path", p.stderr)

    def test_pip_installs_the_typed_package(self):
        lib = os.environ.get("B2A_LIBRARY")
        if not lib:
            self.skipTest("B2A_LIBRARY is not set (tests/bindings/run-python.sh sets it)")
        src, site = os.path.join(self.tmp, "src"), os.path.join(self.tmp, "site")
        # A copy, so that the build's egg-info and build/ do not land in the checkout.
        shutil.copytree(PACKAGE, src, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
        p = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                            "--no-cache-dir", "--disable-pip-version-check", "--target", site, src],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(os.path.exists(os.path.join(site, "bak2avro", "py.typed")))
        self.assertTrue(os.path.isdir(os.path.join(site, "bak2avro-0.1.0.dist-info")))
        self.assertEqual(sorted(n for n in os.listdir(site) if not n.endswith(".dist-info")), ["bak2avro"])
        p = self._python("import bak2avro; print(bak2avro.__file__, bak2avro.version())",
                         PYTHONPATH=site, B2A_LIBRARY=lib)
        self.assertEqual(p.stdout.split(), [os.path.join(site, "bak2avro", "__init__.py"), bak2avro.version()],
                         p.stderr)


if __name__ == "__main__":
    unittest.main()
