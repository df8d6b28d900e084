"""--naive-timestamps on a direct read (Northwind's datetime columns): the
schema each choice writes and the values python3-avro 1.11 reads back (it
knows no local-timestamp-micros, which is why the choice exists), the Job's
record of it, and the refusal of an unknown choice."""
import datetime
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
NORTHWIND = os.path.join(SAMPLES, "sqlserver", "northwind_sql2016_compressed__Guilderm.bak")


def read_avro(path):
    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        schema = json.loads(r.meta["avro.schema"].decode())
        rows = list(r)
        r.close()
    return schema, rows


class NaiveTimestamps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-naive-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def export(self, *args):
        out = os.path.join(self.tmp, "out-%d" % len(os.listdir(self.tmp)))
        p = subprocess.run([CLI, "run", "-q", NORTHWIND, "--include", "dbo.Orders", "-o", out, *args],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "job.json")) as f:
            job = json.load(f)
        orders = next(t for t in job["tables"] if t["name"] == "Orders")
        schema, rows = read_avro(os.path.join(out, orders["files"][0]))
        with open(os.path.join(out, orders["schema_file"])) as f:
            avsc = json.load(f)
        field = next(f for f in schema["fields"] if f["name"] == "OrderDate")
        self.assertEqual(avsc["fields"], schema["fields"])
        avro_type = next(c["avro_type"] for c in orders["columns"] if c["name"] == "OrderDate")
        by_id = {r["OrderID"]: r for r in rows}
        self.assertEqual(len(by_id), 830)
        return job["options"]["naive_timestamps"], field["type"][1], avro_type, by_id

    def test_local_is_the_default(self):
        option, ftype, avro_type, rows = self.export()
        self.assertEqual((option, ftype, avro_type), ("local", {"type": "long", "logicalType": "local-timestamp-micros"},
                                                      "local-timestamp-micros"))
        # python3-avro 1.11 ignores the logical type: the plain long, wall-clock micros
        micros = (datetime.datetime(1996, 7, 4) - datetime.datetime(1970, 1, 1)) // datetime.timedelta(microseconds=1)
        self.assertEqual(rows[10248]["OrderDate"], micros)

    def test_utc_writes_timestamp_micros(self):
        option, ftype, avro_type, rows = self.export("--naive-timestamps", "utc")
        self.assertEqual((option, ftype, avro_type), ("utc", {"type": "long", "logicalType": "timestamp-micros"},
                                                      "timestamp-micros"))
        utc = datetime.timezone.utc
        self.assertEqual(rows[10248]["OrderDate"], datetime.datetime(1996, 7, 4, tzinfo=utc))
        self.assertEqual(rows[10248]["ShippedDate"], datetime.datetime(1996, 7, 16, tzinfo=utc))
        self.assertIsNone(rows[11077]["ShippedDate"])  # not shipped: null stays null

    def test_string_writes_fixed_width_text(self):
        option, ftype, avro_type, rows = self.export("--naive-timestamps", "string")
        self.assertEqual((option, ftype, avro_type), ("string", "string", "string"))
        self.assertEqual(rows[10248]["OrderDate"], "1996-07-04 00:00:00.000000")
        self.assertEqual(rows[10248]["RequiredDate"], "1996-08-01 00:00:00.000000")
        self.assertIsNone(rows[11077]["ShippedDate"])

    def test_unknown_choice_is_a_usage_error(self):
        p = subprocess.run([CLI, "run", NORTHWIND, "-o", os.path.join(self.tmp, "o"), "--naive-timestamps", "zoned"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn('unknown --naive-timestamps "zoned" (local, utc, string)', p.stderr)
        doc = os.path.join(self.tmp, "job-in.json")
        with open(doc, "w") as f:
            json.dump({"inputs": [NORTHWIND], "output_dir": os.path.join(self.tmp, "o"), "naive_timestamps": "zoned"}, f)
        p = subprocess.run([CLI, "run", doc], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('unknown naive_timestamps "zoned" (local, utc, string)', p.stderr)


if __name__ == "__main__":
    if not os.path.isfile(NORTHWIND):
        print("sample %r is absent: set B2A_SAMPLES" % NORTHWIND)
        sys.exit(77)
    unittest.main()
