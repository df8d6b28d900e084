"""The whole restore pipeline on real sample backups, through real PostgreSQL
and MariaDB containers (the test images) and the real ODBC drivers:
values compared with the truth scripts, failures and cancel checked for
clear errors, the right exit code and no container left behind."""
import datetime
import decimal
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import unittest

import avro.datafile
import avro.io

sys.path.insert(0, os.path.dirname(__file__))
import truth  # noqa: E402

CLI = os.environ["B2A_CLI"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
PG = os.path.join(SAMPLES, "postgresql")
PG_IMAGE = os.environ.get("B2A_TEST_PG_IMAGE", "bak2avro-test/postgres:15")
MARIA_IMAGE = os.environ.get("B2A_TEST_MARIADB_IMAGE", "bak2avro-test/mariadb:10.11")
EPOCH = datetime.datetime(1970, 1, 1)


def docker_ok():
    try:
        for image in (PG_IMAGE, MARIA_IMAGE):
            subprocess.run(["docker", "image", "inspect", image], check=True, capture_output=True, timeout=30)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def job_containers(job_id=None):
    label = "label=bak2avro.job" + ("=" + job_id if job_id else "")
    p = subprocess.run(["docker", "ps", "-aq", "--filter", label], capture_output=True, text=True)
    return p.stdout.split()


def read_avro(path):
    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        schema = json.loads(r.meta["avro.schema"].decode())
        rows = list(r)
        r.close()
    return schema, rows


def as_truth(value, expected):
    """An Avro value in the form the truth script writes it."""
    if isinstance(expected, decimal.Decimal) or (isinstance(expected, int) and isinstance(value, decimal.Decimal)):
        return decimal.Decimal(value)
    if isinstance(expected, str) and isinstance(value, int) and "/" in expected:
        # a timestamp as micros: the truth writes '2021/1/1'
        t = EPOCH + datetime.timedelta(microseconds=value)
        y, m, d = (int(x) for x in expected.split()[0].split("/"))
        return expected if (t.year, t.month, t.day, t.hour, t.minute, t.second) == (y, m, d, 0, 0, 0) else t.isoformat()
    if isinstance(value, datetime.datetime) and isinstance(expected, str):
        y, m, d = (int(x) for x in expected.split()[0].split("/"))
        return expected if (value.year, value.month, value.day) == (y, m, d) else value.isoformat()
    return value


class Pipeline(unittest.TestCase):
    maxDiff = 2000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-pipe-")
        self.out = os.path.join(self.tmp, "out")
        self.job_ids = []

    def tearDown(self):
        # No container outlives its job (other tests' containers may run meanwhile).
        left = [c for j in self.job_ids for c in job_containers(j)]
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(left, [], "containers left behind")

    def run_cli(self, *args, image=PG_IMAGE, env=None):
        cmd = [CLI, "run", *args, "-o", self.out, "--image", image, "--network", "host"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
        return p.returncode, p.stdout, p.stderr

    def job(self):
        with open(os.path.join(self.out, "job.json")) as f:
            doc = json.load(f)
        # Table files are given relative to the output folder (doc/job-json.md);
        # the tests read them from here.
        for t in doc["tables"]:
            assert all(not os.path.isabs(p) for p in t["files"]), t["files"]
            t["files"] = [os.path.join(doc["output_dir_absolute"], p) for p in t["files"]]
        if doc["job_id"] not in self.job_ids:
            self.job_ids.append(doc["job_id"])
        return doc

    def assert_tables_equal_truth(self, script, known_edits, encoding="utf-8"):
        expected = truth.load(script, encoding)
        # An empty parse would make every comparison below vacuous.
        self.assertTrue(expected, "no INSERT rows read from %s" % script)
        job = self.job()
        by_name = {t["name"].lower(): t for t in job["tables"]}
        for table, (cols, rows) in expected.items():
            t = by_name[table]
            self.assertEqual(t["status"], "Success", table)
            self.assertEqual(t["rows_written"], len(rows), table)
            _, got = read_avro(t["files"][0])
            names = [c["name"] for c in t["columns"]]
            field = {c["name"]: c["avro_name"] for c in t["columns"]}
            key_pos = [cols.index(k) for k in t["primary_key"]]
            got_by_key = {tuple(r[field[k]] for k in t["primary_key"]): r for r in got}
            for row in rows:
                r = got_by_key[tuple(row[i] for i in key_pos)]
                for k, col in enumerate(cols):
                    want = known_edits.get((table, col, row[k]), row[k])
                    self.assertEqual(as_truth(r[field[col]], want), want, "%s.%s %r" % (table, col, row[:2]))
            self.assertEqual(set(names), set(cols), table)

    def test_chinook_in_all_four_pg_dump_formats_equals_truth(self):
        script = os.path.join(SAMPLES, "truth", "Chinook_PostgreSql.sql")
        for name in ("chinook_pg15_custom.dump", "chinook_pg15_custom_uncompressed.dump",
                     "chinook_pg15_tar.tar", "chinook_pg15_directory"):
            with self.subTest(archive=name):
                shutil.rmtree(self.out, ignore_errors=True)
                code, out, err = self.run_cli(os.path.join(PG, name), "--codec", "snappy")
                self.assertEqual(code, 0, err[-3000:])
                job = self.job()
                self.assertEqual(job["status"], "Success")
                self.assertEqual(job["vendor"], "postgresql")
                self.assertEqual([s["name"] for s in job["steps"]],
                                 ["detect", "container", "restore", "introspect", "export", "cleanup"])
                self.assertEqual(len(job["tables"]), 11)
                # The archives were dumped from a Chinook whose "Edinburgh " had lost its
                # trailing blank; the truth script (a later 1.4.5) still has it.
                edits = {("customer", "city", "Edinburgh "): "Edinburgh",
                         ("invoice", "billing_city", "Edinburgh "): "Edinburgh"}
                self.assert_tables_equal_truth(script, edits)

    def test_upload_delivery_copies_the_archive_into_the_container(self):
        # --deliver upload: no bind mount; each file of the directory archive is
        # copied in through the Engine API after the target folder is made.
        code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_directory"), "--deliver", "upload")
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual(job["options"]["delivery"], "upload")
        self.assertIn("into the container (12 of 12)", out + err)
        self.assertEqual(sum(t["rows_written"] or 0 for t in job["tables"]), 15607)
        edits = {("customer", "city", "Edinburgh "): "Edinburgh",
                 ("invoice", "billing_city", "Edinburgh "): "Edinburgh"}
        self.assert_tables_equal_truth(os.path.join(SAMPLES, "truth", "Chinook_PostgreSql.sql"), edits)

    def test_linked_input_restores_from_the_file_it_points_to(self):
        # Only a bound folder is visible in the container: the folder of a link
        # holds the link alone, which would dangle there.
        links = os.path.join(self.tmp, "links")
        os.mkdir(links)
        link = os.path.join(links, "latest.dump")
        os.symlink(os.path.join(PG, "chinook_pg15_custom.dump"), link)
        code, out, err = self.run_cli(link)
        self.assertEqual(code, 0, err[-3000:])
        rows = {t["name"]: t["rows_written"] for t in self.job()["tables"]}
        self.assertEqual((len(rows), rows["track"], rows["invoice_line"]), (11, 3503, 2240))

    def test_copy_and_odbc_paths_write_the_same_avro(self):
        # PostgreSQL rows leave through COPY (FORMAT binary) over libpq by default and
        # through psqlODBC with --via odbc: the same schema and the same values in
        # every file (DVD Rental: arrays, tsvector, numeric, dates, timestamps, bytea).
        tar = os.path.join(PG, "dvdrental_pg11_tar-format.tar")
        runs = {}
        for via in ("auto", "odbc"):
            with self.subTest(via=via):
                shutil.rmtree(self.out, ignore_errors=True)
                # tables only: a view such as film_list aggregates in plan order
                args = [tar] + (["--via", via] if via != "auto" else [])
                code, out, err = self.run_cli(*args)
                self.assertEqual(code, 0, err[-3000:])
                job = self.job()
                self.assertEqual(job["options"]["via"], via)
                self.assertIn("export: rows through " + ("ODBC" if via == "odbc" else "COPY (FORMAT binary) over libpq"),
                              out + err)
                runs[via] = {}
                for t in job["tables"]:
                    if t["status"] != "Success":
                        continue
                    schema, rows = read_avro(t["files"][0])
                    self.assertEqual(len(rows), t["rows_written"])
                    key = lambda r: json.dumps(r, sort_keys=True, default=repr)
                    runs[via][(t["schema"], t["name"])] = (schema, sorted(rows, key=key), t["rows_written"])
        auto, odbc = runs["auto"], runs["odbc"]
        self.assertEqual(sorted(auto), sorted(odbc))
        self.assertEqual(len(auto), 15)
        self.assertEqual(sum(n for _, _, n in auto.values()), 44820)
        for name in auto:
            self.assertEqual(auto[name][0], odbc[name][0], name)  # the Avro schema
            self.assertEqual(auto[name][1], odbc[name][1], name)  # every value

    def test_native_and_odbc_paths_write_the_same_avro_mariadb(self):
        # MariaDB rows leave through libmariadb (unbuffered, binary protocol) by
        # default and through Connector/ODBC with --via odbc: the same schema and
        # the same values in every file (Sakila: enum, set, year, decimals,
        # timestamps, blobs, keyless film_text), and no page key added to the
        # restored copy on the native path.
        sakila = (os.path.join(SAMPLES, "mysql", "sakila-schema.sql"), os.path.join(SAMPLES, "mysql", "sakila-data.sql"))
        runs = {}
        for via in ("auto", "odbc"):
            with self.subTest(via=via):
                shutil.rmtree(self.out, ignore_errors=True)
                args = ["--allow-column-loss", *sakila] + (["--via", via] if via != "auto" else [])
                code, out, err = self.run_cli(*args, image=MARIA_IMAGE)
                self.assertEqual(code, 0, err[-3000:])
                job = self.job()
                self.assertEqual(job["options"]["via"], via)
                self.assertIn("export: rows through " + ("ODBC" if via == "odbc" else
                                                        "libmariadb (unbuffered, binary protocol)"), out + err)
                runs[via] = {}
                for t in job["tables"]:
                    if t["status"] != "Success":
                        continue
                    self.assertNotIn("__b2a_page_key", [c["name"] for c in t["columns"]])
                    schema, rows = read_avro(t["files"][0])
                    self.assertEqual(len(rows), t["rows_written"])
                    key = lambda r: json.dumps(r, sort_keys=True, default=repr)
                    runs[via][(t["schema"], t["name"])] = (schema, sorted(rows, key=key), t["rows_written"])
        auto, odbc = runs["auto"], runs["odbc"]
        self.assertEqual(sorted(auto), sorted(odbc))
        self.assertEqual(len(auto), 16)
        self.assertEqual(sum(n for _, _, n in auto.values()), 47268)
        for name in auto:
            self.assertEqual(auto[name][0], odbc[name][0], name)  # the Avro schema
            self.assertEqual(auto[name][1], odbc[name][1], name)  # every value

    def test_views_exported_only_when_asked(self):
        pagila = os.path.join(PG, "pagila_pg9.4_custom-format.backup")
        code, out, err = self.run_cli(pagila, "--include", "public.actor*", "--include", "public.*list")
        self.assertEqual(code, 0, err[-3000:])
        kinds = {t["name"]: (t["kind"], t["selected"], t["status"]) for t in self.job()["tables"]}
        self.assertEqual(kinds["actor_info"], ("view", False, "Skipped"))
        self.assertEqual(kinds["actor"], ("table", True, "Success"))
        shutil.rmtree(self.out)
        code, out, err = self.run_cli(pagila, "--include", "public.actor*", "--include", "public.*list",
                                      "--include-views")
        self.assertEqual(code, 0, err[-3000:])
        tables = {t["name"]: t for t in self.job()["tables"] if t["selected"]}
        self.assertEqual({n: (t["kind"], t["status"], t["rows_written"]) for n, t in tables.items()},
                         {"actor": ("table", "Success", 200), "actor_info": ("view", "Success", 200),
                          "customer_list": ("view", "Success", 599), "film_list": ("view", "Success", 997),
                          "nicer_but_slower_film_list": ("view", "Success", 997), "staff_list": ("view", "Success", 2)})
        _, rows = read_avro(tables["staff_list"]["files"][0])
        self.assertEqual(sorted(r["name"] for r in rows), ["Jon Stephens", "Mike Hillyer"])

    def test_dvdrental_tar_pg11(self):
        code, out, err = self.run_cli(os.path.join(PG, "dvdrental_pg11_tar-format.tar"))
        self.assertEqual(code, 0, err[-3000:])
        rows = {t["name"]: t["rows_written"] for t in self.job()["tables"] if t["selected"]}
        self.assertEqual(len(rows), 15)
        self.assertEqual(rows["rental"], 16044)
        self.assertEqual(rows["film"], 1000)
        self.assertEqual(rows["payment"], 14596)
        # film.fulltext (tsvector) and film.special_features (text[]) arrive as strings
        film = next(t for t in self.job()["tables"] if t["name"] == "film")
        types = {c["name"]: (c["source_type"], c["avro_type"]) for c in film["columns"]}
        self.assertEqual(types["rental_rate"], ("numeric(4,2)", "decimal"))
        self.assertEqual(types["last_update"][1], "local-timestamp-micros")

    def test_naive_timestamps_as_utc_through_copy_and_as_strings_through_odbc(self):
        # --naive-timestamps for readers without local-timestamp-micros (python3-avro
        # 1.11 here, Hive, Spark < 3.4): every rental's dates equal the dump's text, as
        # timestamp-micros taken as UTC (COPY path) and as strings (ODBC path).
        want = {}
        with open(os.path.join(PG, "dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("COPY public.rental "):
                    break
            for line in f:
                if line == "\\.\n":
                    break
                v = line.rstrip("\n").split("\t")
                want[int(v[0])] = (v[1], None if v[4] == "\\N" else v[4])
        self.assertEqual(len(want), 16044)
        for naive, via in (("utc", "auto"), ("string", "odbc")):
            with self.subTest(naive=naive, via=via):
                shutil.rmtree(self.out, ignore_errors=True)
                code, out, err = self.run_cli(os.path.join(PG, "dvdrental_pg11_tar-format.tar"), "--include",
                                              "public.rental", "--naive-timestamps", naive, "--via", via)
                self.assertEqual(code, 0, err[-3000:])
                job = self.job()
                self.assertEqual(job["options"]["naive_timestamps"], naive)
                rental = next(t for t in job["tables"] if t["name"] == "rental")
                types = {c["name"]: (c["source_type"], c["avro_type"]) for c in rental["columns"]}
                written = "timestamp-micros" if naive == "utc" else "string"
                self.assertEqual(types["rental_date"], ("timestamp without time zone", written))
                schema, rows = read_avro(rental["files"][0])
                field = next(f for f in schema["fields"] if f["name"] == "rental_date")
                self.assertEqual(field["type"][1], {"type": "long", "logicalType": "timestamp-micros"}
                                 if naive == "utc" else "string")
                got = {}
                for r in rows:
                    dates = (r["rental_date"], r["return_date"])
                    if naive == "utc":  # python3-avro gives an aware datetime in UTC
                        dates = tuple(d and d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
                                      for d in dates)
                    else:  # "YYYY-MM-DD HH:MM:SS.ffffff"; the dump has whole seconds
                        self.assertTrue(all(d is None or d.endswith(".000000") for d in dates), dates)
                        dates = tuple(d and d[:-7] for d in dates)
                    got[r["rental_id"]] = dates
                self.assertEqual(got, want)

    def test_northwind_pg10_custom_against_instnwnd(self):
        # A custom archive 1.13 (pg_dump 10) of a 2018 PostgreSQL port of Northwind,
        # schema "northwind", names lower-cased. Compared with Microsoft's instnwnd.sql
        # where the data are the same; the port's own differences are listed below.
        code, out, err = self.run_cli(os.path.join(PG, "northwind_pg10_custom-format.backup"))
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual((job["status"], job["vendor"], job["database"]), ("Success", "postgresql", "northwind_2018_1"))
        tables = {t["name"]: t for t in job["tables"]}
        self.assertEqual({n: (t["schema"], t["rows_written"]) for n, t in tables.items()},
                         {"categories": ("northwind", 8), "customers": ("northwind", 91), "employees": ("northwind", 9),
                          "order_details": ("northwind", 2155), "orders": ("northwind", 830),
                          "products": ("northwind", 77), "shippers": ("northwind", 3), "suppliers": ("northwind", 29)})
        types = {c["name"]: (c["source_type"], c["avro_type"]) for c in tables["order_details"]["columns"]}
        self.assertEqual(types["unitprice"], ("numeric(13,4)", "decimal"))
        self.assertEqual(tables["orders"]["columns"][3]["avro_type"], "local-timestamp-micros")

        def unmojibake(s):
            # The archive holds the text UTF-8 encoded twice (read as cp1252 on the way
            # in): 'Mère' is stored as 'MÃ¨re', and we export what it holds. The one
            # no-break space of 'à' (bytes C3 A0) became a plain space in the archive.
            return s.replace("\u00c3 ", "\u00c3\u00a0").encode("cp1252").decode("utf-8")

        def fold(s):
            # instnwnd.sql spells some names without accents ('Sao Paulo', 'Kobenhavn');
            # the port has line breaks and trailing blanks where instnwnd has spaces.
            s = unicodedata.normalize("NFKD", s.replace("\u00f8", "o"))
            return " ".join("".join(c for c in s if not unicodedata.combining(c)).split())

        # The port's own edits (value in instnwnd.sql -> value in the archive, decoded).
        edits = {("categories", "description", 1): "Soft drinks",
                 ("categories", "description", 2): "Sweet and savory sauces",
                 ("categories", "categoryname", 4): "Dairy northwind.products",
                 ("customers", "city", "ALFKI"): "Frankfurt",
                 ("customers", "companyname", "BLONP"): "Blondel p\u00e8re et fils"}
        # Not comparable: every order date moved (10248: 1996-07-04 -> 1994-08-04),
        # ShipVia became shipperid and is NULL in every row, the bit Discontinued became
        # 'N'/'Y'; the pictures (Picture, Photo, PhotoPath) were dropped.
        own = {"orderdate", "requireddate", "shippeddate", "shipperid", "discontinued"}
        dropped = {"picture", "photo", "photopath", "shipvia"}
        expected = truth.load_tsql(os.path.join(SAMPLES, "truth", "instnwnd.sql"))
        compared = 0
        for name, t in tables.items():
            cols, rows = expected[name.replace("_", " ")]
            self.assertEqual({c["name"] for c in t["columns"]} - own, set(cols) - dropped - own, name)
            _, got = read_avro(t["files"][0])
            by_key = {tuple(r[k] for k in t["primary_key"]): r for r in got}
            self.assertEqual(len(by_key), len(rows), name)
            for row in rows:
                key = tuple(row[cols.index(k)] for k in t["primary_key"])
                r = by_key[key]
                for col in set(r) - own:
                    want, value = row[cols.index(col)], r[col]
                    where = "%s.%s %r" % (name, col, key)
                    if isinstance(value, str):
                        value = fold(unmojibake(value))
                        want = fold(edits.get((name, col, key[0]), want))
                    elif isinstance(value, decimal.Decimal):
                        want = decimal.Decimal(want)
                    elif col in ("birthdate", "hiredate"):
                        m, d, y = (int(x) for x in want.split("/"))
                        want = (datetime.datetime(y, m, d) - EPOCH) // datetime.timedelta(microseconds=1)
                    self.assertEqual(value, want, where)
                    compared += 1
                if name == "products":
                    self.assertEqual(r["discontinued"], "Y" if row[cols.index("discontinued")] else "N", key)
        self.assertEqual(compared, 21291)
        schema, orders = read_avro(tables["orders"]["files"][0])
        # NOT NULL columns are required fields; timestamps stay nullable even where NOT NULL,
        # since infinities are written as null
        nts = ["null", {"type": "long", "logicalType": "local-timestamp-micros"}]
        self.assertEqual([(f["name"], f["type"]) for f in schema["fields"]],
                         [("orderid", "int"), ("customerid", "string"), ("employeeid", "int"),
                          ("orderdate", nts), ("requireddate", nts), ("shippeddate", nts),
                          ("freight", ["null", {"type": "bytes", "logicalType": "decimal", "precision": 15, "scale": 4}]),
                          ("shipname", ["null", "string"]), ("shipaddress", ["null", "string"]),
                          ("shipcity", ["null", "string"]), ("shipregion", ["null", "string"]),
                          ("shippostalcode", ["null", "string"]), ("shipcountry", ["null", "string"]),
                          ("shipperid", ["null", "int"])])
        self.assertEqual([f.get("default", "none") for f in schema["fields"][:3]], ["none"] * 3)
        o = next(r for r in orders if r["orderid"] == 10248)
        self.assertEqual([EPOCH + datetime.timedelta(microseconds=o[c]) for c in ("orderdate", "requireddate", "shippeddate")],
                         [datetime.datetime(1994, 8, 4), datetime.datetime(1994, 9, 1), datetime.datetime(1994, 8, 16)])
        self.assertEqual({r["shipperid"] for r in orders}, {None})
        _, customers = read_avro(tables["customers"]["files"][0])
        self.assertEqual(next(r["companyname"] for r in customers if r["customerid"] == "MEREP"), "M\u00c3\u00a8re Paillarde")

    def test_pagila_custom_inheritance_children_exported_once(self):
        # Pagila for 9.4 partitions payment by inheritance: the parent holds no row
        # itself, each child its month; every row must be exported exactly once.
        code, out, err = self.run_cli(os.path.join(PG, "pagila_pg9.4_custom-format.backup"))
        self.assertEqual(code, 0, err[-3000:])
        rows = {t["name"]: t["rows_written"] for t in self.job()["tables"] if t["selected"]}
        self.assertEqual(len(rows), 21)
        self.assertEqual(rows["payment"], 0)
        self.assertEqual(sum(n for name, n in rows.items() if name.startswith("payment_p2007_")), 16049)
        self.assertEqual(rows["rental"], 16044)

    def test_pagila_plain_pg17_script_on_a_15_server(self):
        # The script sets transaction_timeout (PostgreSQL 17); a 15 server rejects that
        # one SET. Decision: that error is harmless (the session default applies), the
        # data restore, and the job says so in the restore step.
        code, out, err = self.run_cli(os.path.join(PG, "pagila-schema.sql"), os.path.join(PG, "pagila-data.sql"))
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        restore = next(s for s in job["steps"] if s["name"] == "restore")
        self.assertIn("judged harmless", restore["message"])
        self.assertIn("transaction_timeout", restore["message"])
        # pg_dump without -C names no database: null, not a guess
        self.assertIsNone(job["database"])
        tables = {t["name"]: t for t in job["tables"]}
        self.assertEqual(tables["payment"]["kind"], "partitioned table")
        self.assertEqual(tables["payment"]["rows_written"], 16049)
        self.assertFalse(any(name.startswith("payment_p") for name in tables))

    def test_plain_script_that_creates_its_own_database(self):
        # pg_dump -C writes CREATE DATABASE + \\connect: the data lands in that
        # database, not the one the job made; the job must find and export it.
        script = os.path.join(self.tmp, "chinook_create.sql")
        subprocess.run(["docker", "run", "--rm", "--network", "none", "-v", PG + ":/in:ro", "-v", self.tmp + ":/out",
                        PG_IMAGE, "sh", "-c", "pg_restore -C -f /out/chinook_create.sql /in/chinook_pg15_custom.dump && "
                        "chmod 644 /out/chinook_create.sql"], check=True, capture_output=True, timeout=120)
        self.assertIn("\\connect chinook", open(script).read())
        code, out, err = self.run_cli(script)
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual(job["database"], "chinook")
        rows = {t["name"]: t["rows_written"] for t in job["tables"]}
        self.assertEqual((len(rows), rows["track"], rows["invoice_line"]), (11, 3503, 2240))

    def test_pre_and_post_sql(self):
        pre = os.path.join(self.tmp, "pre.sql")
        post = os.path.join(self.tmp, "post.sql")
        open(pre, "w").write("CREATE SCHEMA extra;\nCREATE TABLE extra.marker (x int PRIMARY KEY);\n"
                             "INSERT INTO extra.marker VALUES (42);\n")
        open(post, "w").write("-- a summary made after the restore\n"
                              "CREATE TABLE public.summary AS SELECT count(*)::int AS tracks FROM public.track;\n")
        code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_custom.dump"), "--pre-sql", pre, "--post-sql", post)
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual([s["name"] for s in job["steps"]],
                         ["detect", "container", "pre-sql", "restore", "post-sql", "introspect", "export", "cleanup"])
        rows = {(t["schema"], t["name"]): t["rows_written"] for t in job["tables"]}
        self.assertEqual(rows[("extra", "marker")], 1)
        summary = next(t for t in job["tables"] if t["name"] == "summary")
        _, got = read_avro(summary["files"][0])
        self.assertEqual(got, [{"tracks": 3503}])

    def test_failing_pre_sql_names_the_statement(self):
        pre = os.path.join(self.tmp, "pre.sql")
        open(pre, "w").write("SELECT 1;\nSELECT * FROM no_such_table;\n")
        code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_custom.dump"), "--pre-sql", pre)
        self.assertEqual(code, 3)
        job = self.job()
        self.assertIn("pre-SQL: statement 2 at line 2", job["error"]["message"])
        self.assertEqual(job["error"]["sqlstate"], "42P01")
        self.assertEqual([s["status"] for s in job["steps"] if s["name"] == "pre-sql"], ["Failed"])
        self.assertFalse(any(s["name"] == "restore" for s in job["steps"]))

    def test_sakila_mariadb(self):
        # Sakila declares address.location inside /*!50705 ... */, which MariaDB
        # skips: the restore says nothing, so the job must fail that table,
        # naming the column and why, and export the others.
        sakila = (os.path.join(SAMPLES, "mysql", "sakila-schema.sql"), os.path.join(SAMPLES, "mysql", "sakila-data.sql"))
        code, out, err = self.run_cli(*sakila, image=MARIA_IMAGE)
        self.assertEqual(code, 1, err[-3000:])
        job = self.job()
        self.assertEqual(job["status"], "Failed")
        self.assertEqual(job["database"], "sakila")  # from the scripts' USE sakila
        by_name = {t["name"]: t for t in job["tables"]}
        address = by_name["address"]
        self.assertEqual(address["status"], "Failed")
        self.assertEqual(address["files"], [])
        address_dir = os.path.join(self.out, "sakila", "address")
        self.assertEqual(os.listdir(address_dir) if os.path.isdir(address_dir) else [], [])
        self.assertIn("column location, declared by CREATE TABLE address at sakila-schema.sql line 57, "
                      "is missing after the restore: declared in a /*!50705 */ version comment, which "
                      "MariaDB 10.11", address["message"])
        self.assertIn("--allow-column-loss", address["message"])
        self.assertEqual([c["name"] for c in address["lost_columns"]], ["location"])
        failed = sorted(t["name"] for t in job["tables"] if t["status"] == "Failed")
        self.assertEqual(failed, ["address"])
        rows = {t["name"]: t["rows_written"] for t in job["tables"] if t["status"] == "Success"}
        self.assertEqual(len(rows), 15)
        self.assertEqual((rows["film"], rows["rental"], rows["payment"], rows["actor"]), (1000, 16044, 16044, 200))
        skipped = sorted(t["name"] for t in job["tables"] if not t["selected"])
        self.assertIn("customer_list", skipped)  # a view: listed, not exported
        actor = by_name["actor"]
        schema, got = read_avro(actor["files"][0])
        # every column of actor is NOT NULL: required fields, except the timestamp,
        # which stays nullable because zero dates are written as null
        self.assertEqual([(f["name"], f["type"]) for f in schema["fields"]],
                         [("actor_id", "int"), ("first_name", "string"), ("last_name", "string"),
                          ("last_update", ["null", {"type": "long", "logicalType": "timestamp-micros"}])])
        first = min(got, key=lambda r: r["actor_id"])
        self.assertEqual((first["actor_id"], first["first_name"], first["last_name"]), (1, "PENELOPE", "GUINESS"))

        # With the opt-in the table is exported without the column, and the
        # Job says so.
        shutil.rmtree(self.out)
        code, out, err = self.run_cli("--allow-column-loss", *sakila, image=MARIA_IMAGE)
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual(job["status"], "Success")
        self.assertTrue(job["options"]["allow_column_loss"])
        address = next(t for t in job["tables"] if t["name"] == "address")
        self.assertEqual((address["status"], address["rows_written"]), ("Success", 603))
        self.assertEqual([c["name"] for c in address["lost_columns"]], ["location"])
        self.assertIn("/*!50705 */ version comment", address["lost_columns"][0]["reason"])
        self.assertNotIn("location", [c["name"] for c in address["columns"]])
        self.assertIn("exported without them (--allow-column-loss)", err)

    def test_gzip_mysql_dump_is_inflated_once(self):
        # A MariaDB dump's closing line is checked before the restore, and what it
        # declares is compared with the server after it: one streamed pass does both,
        # so our process inflates a gzip'd dump once (it was twice; the restore
        # inflates it once more, in the container).
        shim = os.environ.get("B2A_GZ_SHIM")
        ldd = subprocess.run(["ldd", CLI], capture_output=True, text=True).stdout
        if not shim or "libasan" in ldd:
            self.skipTest("no gzread-counting shim, or an ASan build (its runtime must be preloaded first)")
        body = (b"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
                + open(os.path.join(SAMPLES, "mysql", "sakila-schema.sql"), "rb").read() + b"\n"
                + open(os.path.join(SAMPLES, "mysql", "sakila-data.sql"), "rb").read()
                + b"\n-- Dump completed on 2024-01-01 10:00:00\n")
        dump = os.path.join(self.tmp, "sakila-dump.sql.gz")
        with gzip.open(dump, "wb") as f:
            f.write(body)
        count = os.path.join(self.tmp, "gz-count")
        env = dict(os.environ, LD_PRELOAD=shim, B2A_GZ_COUNT=count)
        code, out, err = self.run_cli("--allow-column-loss", dump, image=MARIA_IMAGE, env=env)
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        self.assertEqual(job["format"], "mariadb_dump")
        address = next(t for t in job["tables"] if t["name"] == "address")
        self.assertEqual([c["name"] for c in address["lost_columns"]], ["location"])  # still compared
        with open(count) as f:
            inflated = int(f.read())
        self.assertEqual(inflated, len(body))

        # The same pass still refuses a dump cut short, before any container.
        shutil.rmtree(self.out)
        with gzip.open(dump, "wb") as f:
            f.write(body[:-len(b"-- Dump completed on 2024-01-01 10:00:00\n")])
        code, out, err = self.run_cli(dump, image=MARIA_IMAGE)
        self.assertEqual(code, 3, err[-3000:])
        self.assertIn("sakila-dump.sql.gz: truncated MariaDB dump: it does not end with the "
                      "\"-- Dump completed\" line", err)
        job = self.job()
        self.assertEqual([s["name"] for s in job["steps"]], ["detect", "cleanup"])
        self.assertIsNone(job["container_id"])

    def mariadb_dump_of_sakila(self):
        """A real dump made by mariadb-dump in the MariaDB test image."""
        name = "b2a-test-dump-%d" % os.getpid()
        subprocess.run(["docker", "run", "-d", "--name", name, "--network", "none", "-e", "MARIADB_ROOT_PASSWORD=pw",
                        MARIA_IMAGE], check=True, capture_output=True)
        try:
            # Over TCP: the entrypoint's set-up server listens on the socket only.
            for _ in range(240):
                if subprocess.run(["docker", "exec", name, "mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-uroot",
                                   "-ppw", "-e", "SELECT 1"], capture_output=True).returncode == 0:
                    break
                time.sleep(0.5)
            for script in ("sakila-schema.sql", "sakila-data.sql"):
                with open(os.path.join(SAMPLES, "mysql", script), "rb") as f:
                    subprocess.run(["docker", "exec", "-i", name, "mariadb", "-uroot", "-ppw"], stdin=f, check=True,
                                   capture_output=True)
            path = os.path.join(self.tmp, "sakila-mariadb-dump.sql")
            with open(path, "wb") as f:
                subprocess.run(["docker", "exec", name, "mariadb-dump", "-uroot", "-ppw", "--routines", "--triggers",
                                "--databases", "sakila"], stdout=f, check=True)
            return path
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)

    def test_real_mariadb_dump_whole_and_cut(self):
        # inspect: whole exits 0; cut short (no "-- Dump completed") exits 3 with
        # the error and what was read. The whole dump restores into MariaDB with
        # no column reported lost (address has no location in a MariaDB dump).
        dump = self.mariadb_dump_of_sakila()
        p = subprocess.run([CLI, "inspect", dump], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        inspected = json.loads(p.stdout)["inputs"][0]
        self.assertEqual(inspected["format_id"], "mariadb_dump")
        self.assertEqual(len(inspected["contents"]["tables"]), 16)
        cut = os.path.join(self.tmp, "cut.sql")
        with open(dump, "rb") as f, open(cut, "wb") as g:
            g.write(f.read(os.path.getsize(dump) // 2))
        p = subprocess.run([CLI, "inspect", cut], capture_output=True, text=True)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cut.sql: truncated MariaDB dump: it does not end with the \"-- Dump completed\" line", p.stderr)
        self.assertEqual(json.loads(p.stdout)["inputs"][0]["format_id"], "mariadb_dump")

        code, out, err = self.run_cli(dump, image=MARIA_IMAGE)
        self.assertEqual(code, 0, err[-3000:])
        job = self.job()
        tables = [t for t in job["tables"] if t["kind"] == "table"]
        self.assertEqual(sorted(t["status"] for t in tables), ["Success"] * 16)
        self.assertFalse([t["name"] for t in tables if "lost_columns" in t])

    def test_archive_newer_than_the_server_is_refused_before_any_container(self):
        # chinook_pg15 is archive format 1.14, which needs pg_restore 12 or later; an
        # image tagged 11 must be refused before any container starts.
        old = "bak2avro-test/postgres:11"
        subprocess.run(["docker", "tag", PG_IMAGE, old], check=True, capture_output=True)
        try:
            code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_custom.dump"), image=old)
        finally:
            subprocess.run(["docker", "rmi", old], capture_output=True)
        self.assertEqual(code, 3)
        self.assertIn("chinook_pg15_custom.dump", err)
        self.assertIn("1.14", err)
        self.assertIn("PostgreSQL 12", err)
        self.assertEqual([s["name"] for s in self.job()["steps"]], ["detect", "cleanup"])
        self.assertIsNone(self.job()["container_id"])

    def test_image_that_cannot_be_pulled_fails_first_naming_it(self):
        # No registry is reachable from the test machines: the pull must fail fast
        # and say which image and how to provide it.
        code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_custom.dump"), image="bak2avro-test/absent:16")
        self.assertEqual(code, 3)
        self.assertIn("image bak2avro-test/absent:16 is not on this Docker engine and could not be pulled", err)
        self.assertIn("docker load", err)
        job = self.job()
        self.assertIsNone(job["container_id"])
        self.assertEqual([s["status"] for s in job["steps"] if s["name"] == "container"], ["Failed"])

    def test_sqlserver_container_path_asks_for_its_image(self):
        # No SQL Server image can run here; with the licence accepted the job gets
        # as far as the image and says how to provide it.
        bak = os.path.join(SAMPLES, "sqlserver", "northwind_sql2008_mtf__thuyluv.bak")
        code, out, err = self.run_cli("--restore", "--accept-eula", bak, image="mcr.microsoft.com/mssql/server:2022-latest")
        self.assertEqual(code, 3)
        self.assertIn("image mcr.microsoft.com/mssql/server:2022-latest is not on this Docker engine", err)
        self.assertEqual(self.job()["vendor"], "sqlserver")

    def test_oracle_container_path_asks_for_its_image(self):
        # No Oracle image can run here. --restore sends a Data Pump dump the
        # direct reader reads to the container path, which (--network auto:
        # publish for Oracle) gets as far as the image and says how to provide it.
        dmp = os.path.join(SAMPLES, "oracle", "jliverse_datapump_scott.dmp")
        # Oracle's ODBC driver is not installed here: named as if it were
        env = dict(os.environ, B2A_ORACLE_ODBC_DRIVER="Oracle 23 ODBC driver")
        p = subprocess.run([CLI, "run", "--restore", dmp, "-o", self.out], capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("image gvenzl/oracle-free:23-faststart is not on this Docker engine and could not be pulled",
                      p.stderr)
        job = self.job()
        self.assertEqual(job["vendor"], "oracle")
        self.assertIsNone(job["container_id"])

    def test_oracle_without_its_odbc_driver_is_refused_before_any_container(self):
        dmp = os.path.join(SAMPLES, "oracle", "oracledmpparser_exptest.dmp")
        env = dict(os.environ)
        env.pop("B2A_ORACLE_ODBC_DRIVER", None)
        p = subprocess.run([CLI, "run", "--restore", dmp, "-o", self.out], capture_output=True, text=True,
                           timeout=300, env=env)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("oracledmpparser_exptest.dmp: exporting an Oracle restore needs Oracle's ODBC driver, "
                      "which is not installed", p.stderr)
        self.assertNotIn("pulling", p.stderr)
        self.assertIsNone(self.job()["container_id"])

    def test_oracle_refuses_host_networking_before_any_container(self):
        dmp = os.path.join(SAMPLES, "oracle", "oracledmpparser_exptest.dmp")
        code, out, err = self.run_cli("--restore", dmp, image="gvenzl/oracle-free:23-faststart")
        self.assertEqual(code, 3)
        self.assertIn("oracledmpparser_exptest.dmp: the oracle images listen on port 1521 on every interface", err)
        self.assertIn("use --network publish", err)

    def test_truncated_archive_is_refused_naming_the_file(self):
        src = os.path.join(PG, "chinook_pg15_custom.dump")
        bad = os.path.join(self.tmp, "cut.dump")
        data = open(src, "rb").read()
        open(bad, "wb").write(data[: len(data) // 2])
        code, out, err = self.run_cli(bad)
        self.assertEqual(code, 3)
        self.assertIn("cut.dump", err)
        self.assertIsNone(self.job()["container_id"])

    def events(self, proc):
        for line in proc.stderr:
            try:
                yield json.loads(line)
            except ValueError:
                continue

    def test_container_killed_during_restore(self):
        cmd = [CLI, "run", os.path.join(PG, "pagila-schema.sql"), os.path.join(PG, "pagila-data.sql"),
               "-o", self.out, "--image", PG_IMAGE, "--network", "host", "--log-json"]
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        killed = False
        container = None
        for ev in self.events(proc):
            msg = ev.get("message", "")
            if ev.get("event") == "log" and msg.startswith("container ") and " started from " in msg:
                container = msg.split()[1]
            if not killed and container and ev.get("event") == "progress" and ev.get("step") == "restore":
                subprocess.run(["docker", "kill", container], capture_output=True)
                killed = True
        code = proc.wait(timeout=300)
        self.assertTrue(killed)
        self.assertEqual(code, 3)
        job = self.job()
        self.assertEqual(job["status"], "Failed")
        self.assertIn("container", job["error"]["message"])
        restore = next(s for s in job["steps"] if s["name"] == "restore")
        self.assertEqual(restore["status"], "Failed")

    def test_cancel_during_export_leaves_nothing_complete_looking(self):
        cmd = [CLI, "run", os.path.join(PG, "dvdrental_pg11_tar-format.tar"), "-o", self.out, "--image", PG_IMAGE,
               "--network", "host", "--log-json", "--parallel", "1"]
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        sent = False
        for ev in self.events(proc):
            if not sent and ev.get("event") == "progress" and ev.get("step") == "export" and ev.get("table"):
                proc.send_signal(signal.SIGINT)
                sent = True
        code = proc.wait(timeout=300)
        self.assertTrue(sent)
        self.assertEqual(code, 3)
        job = self.job()
        self.assertEqual(job["status"], "Canceled")
        done = [t["name"] for t in job["tables"] if t["status"] == "Success"]
        files = sorted(os.path.relpath(os.path.join(d, f), self.out)
                       for d, _, fs in os.walk(self.out) for f in fs if f.endswith(".avro") or ".tmp" in f)
        # Only tables reported complete may have a file, and no temporary file remains.
        self.assertEqual(files, sorted("public/%s/part-00000.avro" % n for n in done))
        self.assertEqual(job["steps"][-1]["name"], "cleanup")
        self.assertEqual(job["steps"][-1]["status"], "Success")

    def test_missing_odbc_driver_names_the_package(self):
        empty = os.path.join(self.tmp, "odbc")
        os.mkdir(empty)
        open(os.path.join(empty, "odbcinst.ini"), "w").close()
        env = dict(os.environ, ODBCSYSINI=empty, ODBCINSTINI="odbcinst.ini")
        code, out, err = self.run_cli(os.path.join(PG, "chinook_pg15_custom.dump"), env=env)
        self.assertEqual(code, 3)
        self.assertIn("odbc-postgresql", err)
        self.assertEqual(self.job()["error"]["sqlstate"], "IM002")

    def test_gc_removes_only_containers_of_dead_jobs(self):
        host = os.uname().nodename
        me = open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]
        live = "%s:%d:%s" % (host, os.getpid(), me)
        dead = "%s:%d:%s" % (host, 4194000, "12345")  # no such pid
        other = "elsewhere:1:1"
        ids = {}
        for name, owner in (("live", live), ("dead", dead), ("other", other)):
            p = subprocess.run(["docker", "create", "--label", "bak2avro.job=gc-" + name, "--label",
                                "bak2avro.owner=" + owner, PG_IMAGE], capture_output=True, text=True, check=True)
            ids[name] = p.stdout.strip()
        try:
            p = subprocess.run([CLI, "gc"], capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("removed 1 container left by bak2avro jobs", p.stdout)
            self.assertEqual(job_containers("gc-dead"), [])
            self.assertEqual(len(job_containers("gc-live")), 1)
            self.assertEqual(len(job_containers("gc-other")), 1)
        finally:
            subprocess.run(["docker", "rm", "-f", *ids.values()], capture_output=True)


if __name__ == "__main__":
    if not os.path.isdir(SAMPLES):
        print("samples folder %r is absent: set B2A_SAMPLES" % SAMPLES)
        sys.exit(77)
    if not docker_ok():
        print("no Docker engine or no test images (%s, %s): run scripts/setup-debian.sh" % (PG_IMAGE, MARIA_IMAGE))
        sys.exit(77)
    unittest.main()
