"""bak2avro.Container (the Container and Restore blocks) on the real Docker
engine with the test images: Chinook restored into PostgreSQL and read
through the printed dsn with Source, Sakila's scripts into MariaDB with the
dsn naming the database they filled, the container gone when the with
block ends (also after an exception), and bad arguments refused with
ValueError before anything starts. Run with Debian's python3, B2A_LIBRARY
set; exits 77 (skipped) without Docker, the test images or the samples."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import bak2avro  # noqa: E402

SAMPLES = os.environ.get("B2A_SAMPLES", "")
CHINOOK = os.path.join(SAMPLES, "postgresql", "chinook_pg15_custom.dump")
SAKILA = [os.path.join(SAMPLES, "mysql", f) for f in ("sakila-schema.sql", "sakila-data.sql")]
PG_IMAGE, MARIA_IMAGE = "bak2avro-test/postgres:15", "bak2avro-test/mariadb:10.11"


def exists(container_id):
    return subprocess.run(["docker", "inspect", container_id], capture_output=True).returncode == 0


def skip_reason():
    if not os.path.isfile(CHINOOK):
        return "samples absent (set B2A_SAMPLES): %s" % CHINOOK
    try:
        for image in (PG_IMAGE, MARIA_IMAGE):
            subprocess.run(["docker", "image", "inspect", image], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "no Docker engine or no test images (%s, %s)" % (PG_IMAGE, MARIA_IMAGE)
    return None


class ContainerBlocks(unittest.TestCase):
    def test_chinook_restored_read_through_the_dsn_then_removed(self):
        with bak2avro.Container([CHINOOK], image=PG_IMAGE) as db:
            cid = db.id
            self.assertTrue(exists(cid))
            self.assertEqual((db.vendor, db.host), ("postgresql", "127.0.0.1"))
            db.restore()
            self.assertTrue(db.dsn.startswith("postgresql://%s:" % db.user), "dsn of another form")
            self.assertTrue(db.dsn.endswith(":%d/%s" % (db.port, db.database)))
            with bak2avro.Source(db.dsn) as src:
                rows = {t["name"]: t["rows_expected"] for t in src.tables}
            self.assertEqual(len(rows), 11, sorted(rows))
            self.assertEqual((rows["track"], rows["album"], rows["invoice_line"]), (3503, 347, 2240))
        self.assertFalse(exists(cid), "the container outlived its with block")
        self.assertEqual(repr(db), "<bak2avro.Container stopped>")
        with self.assertRaises(ValueError):
            db.dsn

    def test_sakila_scripts_dsn_names_the_database_they_filled(self):
        with bak2avro.Container(SAKILA, image=MARIA_IMAGE) as db:
            db.restore()
            self.assertEqual(db.database, "sakila")
            with bak2avro.Source(db.dsn, include="sakila.rental") as src:
                selected = [(t["name"], t["rows_expected"]) for t in src.tables if t["selected"]]
            self.assertEqual(selected, [("rental", 16044)])

    def test_an_exception_in_the_block_still_removes_the_container(self):
        cid = None
        with self.assertRaises(RuntimeError):
            with bak2avro.Container([CHINOOK], image=PG_IMAGE) as db:
                cid = db.id
                raise RuntimeError("the caller's own failure")
        self.assertIsNotNone(cid)
        self.assertFalse(exists(cid))

    def test_a_failing_restore_raises_its_message(self):
        with bak2avro.Container([CHINOOK], image=PG_IMAGE) as db:
            with self.assertRaises(bak2avro.Error) as cm:
                db.restore(pre_sql="SELECT * FROM no_such_table_here")
            self.assertIn("no_such_table_here", str(cm.exception))

    def test_bad_arguments_raise_value_error(self):
        for bad in ([], [""], None):
            with self.assertRaises((ValueError, TypeError)):
                bak2avro.Container(bad)
        with self.assertRaises(ValueError):
            bak2avro.Container([CHINOOK], network="bridge")
        with self.assertRaises(ValueError):
            bak2avro.Container([CHINOOK], memory_bytes=-1)


if __name__ == "__main__":
    reason = skip_reason()
    if reason:
        print("SKIP: " + reason)
        sys.exit(77)
    unittest.main(verbosity=2)
