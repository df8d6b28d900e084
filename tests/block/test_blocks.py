"""The Container and Restore building blocks through `bak2avro restore` and
`bak2avro stop` (which use the public API only):

- against the real engine with the test images: a restored PostgreSQL and
  MariaDB reached with the printed dsn (its password included) and counted,
  stop removing the container, a cancel mid-restore leaving nothing, stop
  refusing a container bak2avro did not label, --listen reaching the server;
- against tests/docker/fake_engine.py for failures that cannot be made real:
  an engine refusing the create, a server dying before it is ready (the
  container still removed), a removal that fails.
Skips the real-engine part without Docker, the test images or the samples."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["B2A_SOURCE_ROOT"], "tests", "docker"))
import fake_engine_proc  # noqa: E402

CLI = os.environ["B2A_CLI"]
SOURCE = os.environ["B2A_SOURCE_ROOT"]
SAMPLES = os.environ.get("B2A_SAMPLES", "")
PG = os.path.join(SAMPLES, "postgresql")
MY = os.path.join(SAMPLES, "mysql")
PG_IMAGE = os.environ.get("B2A_TEST_PG_IMAGE", "bak2avro-test/postgres:15")
MARIA_IMAGE = os.environ.get("B2A_TEST_MARIADB_IMAGE", "bak2avro-test/mariadb:10.11")
CASES = os.path.join(SOURCE, "tests", "block", "cases")
CHINOOK = os.path.join(PG, "chinook_pg15_custom.dump")


def docker_ok():
    try:
        for image in (PG_IMAGE, MARIA_IMAGE):
            subprocess.run(["docker", "image", "inspect", image], check=True, capture_output=True, timeout=30)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def exists(container):
    p = subprocess.run(["docker", "ps", "-aq", "--no-trunc", "--filter", "id=" + container],
                       capture_output=True, text=True)
    return p.stdout.strip() != ""


def cli(*args, timeout=600):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@unittest.skipUnless(os.path.isfile(CHINOOK), "samples folder absent: set B2A_SAMPLES")
@unittest.skipUnless(docker_ok(), "no Docker engine or no test images (%s, %s)" % (PG_IMAGE, MARIA_IMAGE))
class RealEngine(unittest.TestCase):
    def setUp(self):
        self.left = []

    def tearDown(self):
        for c in self.left:
            if exists(c):
                subprocess.run(["docker", "rm", "-f", c], capture_output=True)
                self.fail("container %s left behind" % c)

    def restore(self, *args):
        code, out, err = cli("restore", "--json", "-q", *args)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        doc = json.loads(out)
        self.left.append(doc["container_id"])
        return doc

    def test_pg_restored_reached_with_the_dsn_then_stopped(self):
        doc = self.restore(CHINOOK, "--image", PG_IMAGE)
        self.assertEqual(doc["vendor"], "postgresql")
        self.assertEqual(doc["image"], PG_IMAGE)
        self.assertEqual(doc["host"], "127.0.0.1")
        self.assertEqual(doc["dsn"], "postgresql://%s:%s@127.0.0.1:%d/%s" % (
            doc["user"], doc["dsn"].split(":")[2].split("@")[0], doc["port"], doc["database"]))
        labels = json.loads(subprocess.run(["docker", "inspect", "--format", "{{json .Config.Labels}}",
                                            doc["container_id"]], capture_output=True, text=True).stdout)
        self.assertIn("bak2avro.job", labels)
        # The restored tables with their exact counts, as the Source block describes them.
        tables = {(t["schema"], t["name"]): t for t in doc["tables"]}
        self.assertEqual(len(tables), 11, sorted(tables))
        self.assertEqual(tables[("public", "track")]["rows_expected"], 3503)
        self.assertEqual(tables[("public", "album")]["rows_expected"], 347)
        self.assertEqual(tables[("public", "album")]["primary_key"], ["album_id"])
        self.assertEqual([c["name"] for c in tables[("public", "album")]["columns"]],
                         ["album_id", "title", "artist_id"])
        self.assertTrue(all(t["kind"] == "table" and t["selected"] for t in doc["tables"]))
        # The dsn, password included, reaches the restored rows (psql in the container, over TCP).
        p = subprocess.run(["docker", "exec", doc["container_id"], "psql", doc["dsn"], "-tAc",
                            "SELECT count(*) FROM public.track"], capture_output=True, text=True)
        self.assertEqual(p.stdout.strip(), "3503", p.stderr)
        code, out, err = cli("stop", doc["container_id"][:12])
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "container %s stopped and removed\n" % doc["container_id"][:12])
        self.assertFalse(exists(doc["container_id"]))

    def test_mariadb_restored_with_memory_limit_and_listen(self):
        doc = self.restore(os.path.join(MY, "sakila-schema.sql"), os.path.join(MY, "sakila-data.sql"),
                           "--image", MARIA_IMAGE, "--memory", "1G", "--listen", "0.0.0.0")
        self.assertTrue(doc["dsn"].startswith("mysql://root:"), doc["dsn"])
        password = doc["dsn"].split(":")[2].split("@")[0]
        mem = subprocess.run(["docker", "inspect", "--format", "{{.HostConfig.Memory}}", doc["container_id"]],
                             capture_output=True, text=True).stdout.strip()
        self.assertEqual(mem, str(1 << 30))
        p = subprocess.run(["docker", "exec", doc["container_id"], "mariadb", "-h127.0.0.1", "-P%d" % doc["port"],
                            "-uroot", "-p" + password, "-N", "-e",
                            "SELECT count(*) FROM sakila.rental; SELECT @@bind_address"],
                           capture_output=True, text=True)
        self.assertEqual(p.stdout.split(), ["16044", "0.0.0.0"], p.stderr)
        # The script filled a database of its own (USE sakila): the printed dsn names it, so
        # export --dsn with it exports Sakila, not the container's empty database.
        self.assertEqual(doc["database"], "sakila")
        tables = {(t["schema"], t["name"]): t for t in doc["tables"]}
        self.assertEqual(tables[("sakila", "rental")]["rows_expected"], 16044)
        self.assertEqual(tables[("sakila", "film")]["rows_expected"], 1000)
        self.assertEqual(len([t for t in doc["tables"] if t["kind"] == "table"]), 16)
        self.assertEqual(tables[("sakila", "actor_info")]["kind"], "view")
        self.assertTrue(doc["dsn"].endswith(":%d/sakila" % doc["port"]), doc["dsn"])
        tmp = tempfile.mkdtemp(prefix="b2a-blocks-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "sakila-export")
        code, _, err = cli("export", "--dsn", doc["dsn"], "-o", out, "--include", "sakila.rental", "-q")
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "job.json")) as f:
            job = json.load(f)
        rental = [t for t in job["tables"] if t["selected"]]
        self.assertEqual([(t["schema"], t["name"], t["rows_written"]) for t in rental],
                         [("sakila", "rental", 16044)])
        self.assertEqual(len([t for t in job["tables"] if t["kind"] == "table"]), 16,
                         [t["name"] for t in job["tables"]])
        self.assertEqual(cli("stop", doc["container_id"])[0], 0)
        self.assertFalse(exists(doc["container_id"]))

    def test_default_listens_on_loopback_only_and_text_lists_the_tables(self):
        code, out, err = cli("restore", "-q", CHINOOK, "--image", PG_IMAGE)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith("container_id: "), out)
        container = lines[0].split()[1]
        self.left.append(container)
        dsn = lines[1].split(" ", 1)[1]
        self.assertEqual(lines[2], "tables: 11")
        rows = {line.split()[0]: line.split()[1:] for line in lines[3:14]}
        self.assertEqual(rows["public.track"], ["3503", "rows"])
        self.assertEqual(rows["public.album"], ["347", "rows"])
        self.assertEqual(lines[14:], ["stop it with: bak2avro stop " + container[:12]])
        p = subprocess.run(["docker", "exec", container, "psql", dsn, "-tAc",
                            "SHOW listen_addresses"], capture_output=True, text=True)
        self.assertEqual(p.stdout.strip(), "127.0.0.1", p.stderr)
        self.assertEqual(cli("stop", container)[0], 0)

    def test_cancel_mid_restore_removes_the_container(self):
        proc = subprocess.Popen([CLI, "restore", os.path.join(PG, "pagila-schema.sql"),
                                 os.path.join(PG, "pagila-data.sql"), "--image", PG_IMAGE],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        container = None
        for line in proc.stderr:
            if line.startswith("container ") and " started from " in line:
                container = line.split()[1]
            if container and line.startswith("restore: ") and line.strip().endswith("%") and \
                    not line.startswith("restore: 0%"):
                proc.send_signal(signal.SIGINT)
                break
        rest = proc.stderr.read()
        code = proc.wait(timeout=120)
        stdout = proc.stdout.read()
        proc.stdout.close()
        proc.stderr.close()
        self.assertIsNotNone(container)
        self.assertEqual(code, 3)
        self.assertIn("canceled", rest)
        self.assertEqual(stdout, "")
        full = subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True, text=True).stdout
        self.assertNotIn(container, full)

    def test_c_example_restores_once_and_exports_two_tables(self):
        example = os.path.join(os.environ["B2A_BUILD_ROOT"], "examples", "restore_export")
        out = tempfile.mkdtemp(prefix="b2a-example-")
        try:
            p = subprocess.run([example, out, "public.album", "public.track", CHINOOK], capture_output=True, text=True,
                               timeout=600, env=dict(os.environ, B2A_IMAGE=PG_IMAGE))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sorted(p.stdout.splitlines()), ["public.album: 347 rows", "public.track: 3503 rows"])
            container = p.stderr.split()[1]
            self.assertFalse(exists(container))
            import avro.datafile
            import avro.io
            for table, n in (("album", 347), ("track", 3503)):
                with open(os.path.join(out, "public", table, "part-00000.avro"), "rb") as f:
                    self.assertEqual(sum(1 for _ in avro.datafile.DataFileReader(f, avro.io.DatumReader())), n)
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def test_stop_refuses_a_container_bak2avro_did_not_start(self):
        name = "b2a-test-not-ours-%d" % os.getpid()
        cid = subprocess.run(["docker", "create", "--name", name, PG_IMAGE], capture_output=True, text=True,
                             check=True).stdout.strip()
        try:
            for ref in (name, cid, cid[:12]):
                code, out, err = cli("stop", ref)
                self.assertEqual(code, 3)
                self.assertIn("no container %s started by bak2avro" % ref, err)
                self.assertIn("nothing was touched", err)
                self.assertTrue(exists(cid))
        finally:
            subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


class FakeEngine(unittest.TestCase):
    """Failure injection: the engine's replies are scripted."""

    def start_fake(self, case):
        self.fake = fake_engine_proc.FakeEngine(os.path.join(CASES, case + ".json"))
        return self.fake.host

    def tearDown(self):
        if getattr(self, "fake", None):
            self.fake.stop()

    def requests(self):
        return ["%s %s" % (r["method"], r["target"].split("?")[0]) for r in self.fake.requests()]

    @unittest.skipUnless(os.path.isfile(CHINOOK), "samples folder absent: set B2A_SAMPLES")
    def test_create_refused_fails_with_the_engine_message_and_starts_nothing(self):
        host = self.start_fake("create_500")
        code, out, err = cli("restore", CHINOOK, "--image", PG_IMAGE, "--docker-host", host, "-q")
        self.assertEqual(code, 3)
        self.assertEqual(out, "")
        self.assertIn("injected: no space left on device", err)
        self.assertIn("HTTP 500", err)
        self.assertEqual(self.requests()[-1], "POST /v1.41/containers/create")

    @unittest.skipUnless(os.path.isfile(CHINOOK), "samples folder absent: set B2A_SAMPLES")
    def test_server_dying_before_ready_is_explained_and_its_container_removed(self):
        host = self.start_fake("died_before_ready")
        code, out, err = cli("restore", CHINOOK, "--image", PG_IMAGE, "--docker-host", host, "-q")
        self.assertEqual(code, 3)
        self.assertIn("container c0ffee42 of %s stopped before it was ready (exit code 137, killed for lack of "
                      "memory)" % PG_IMAGE, err)
        reqs = self.requests()
        self.assertEqual(reqs[-2:], ["POST /v1.41/containers/c0ffee42/stop", "DELETE /v1.41/containers/c0ffee42"])
        # The probe's exec ran once: a dead container is not probed again.
        self.assertEqual(reqs.count("POST /v1.41/containers/c0ffee42/exec"), 1)

    def test_stop_takes_only_a_labelled_container(self):
        host = self.start_fake("stop_unlabelled")
        code, out, err = cli("stop", "--docker-host", host, "deadbeef0000")
        self.assertEqual(code, 3)
        self.assertIn("no container deadbeef0000 started by bak2avro", err)
        self.assertEqual(self.requests(), ["GET /v1.41/containers/json"])
        with open(self.fake.log) as f:
            self.assertIn("bak2avro.job", f.read())  # listed by our label only

    def test_stop_says_when_the_removal_fails(self):
        host = self.start_fake("stop_labelled")
        code, out, err = cli("stop", "--docker-host", host, "c0ffee42aaaa")
        self.assertEqual(code, 3)
        self.assertIn("could not remove container c0ffee42aaaa (run `bak2avro gc`)", err)
        self.assertIn("injected: removal of container is already in progress", err)


if __name__ == "__main__":
    unittest.main()
