"""A whole `bak2avro run --restore` of an Oracle dump against the fake Docker
Engine (tests/docker/fake_engine.py): the CLI and the container pipeline as
users run them, with the engine's replies scripted (no Oracle image runs
here). The import fails on a table: the job fails naming it, the container
is stopped and removed, and the password is only ever the value of its
environment variables."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ["B2A_CLI"]
ROOT = os.environ.get("B2A_SOURCE_ROOT", ".")
sys.path.insert(0, os.path.join(ROOT, "tests", "docker"))
from fake_engine_proc import FakeEngine  # noqa: E402
SAMPLES = os.environ.get("B2A_SAMPLES", os.path.join(ROOT, "..", "shared", "samples"))
DUMP = os.path.join(SAMPLES, "oracle", "jliverse_datapump_scott.dmp")


def exec_exchanges(eid, lines, code):
    return [
        {"expect": "POST /v1.41/containers/0a1e00d1/exec", "status": 201, "body": {"Id": eid}},
        {"expect": "POST /v1.41/exec/%s/start" % eid, "status": 200,
         "headers": {"Content-Type": "application/vnd.docker.raw-stream"},
         "stream": {"mode": "raw", "items": [{"frame": 1, "text": t} for t in lines]}},
        {"expect": "GET /v1.41/exec/%s/json" % eid, "status": 200,
         "body": {"ID": eid, "Running": False, "ExitCode": code}},
    ]


RUNNING = {"Id": "0a1e00d1", "Name": "/b2a", "State": {"Status": "running", "Running": True, "ExitCode": 0},
           "NetworkSettings": {"Ports": {"1521/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49321"}]}}}

# Written from Oracle's documented Data Pump messages, not recorded.
IMPORT = [
    "Processing object type SCHEMA_EXPORT/TABLE/TABLE\n"
    "ORA-39083: Object type TABLE:\"SCOTT\".\"EMP\" failed to create with error:\n",
    "ORA-01950: no privileges on tablespace 'USERS'\nFailing sql is:\n"
    " CREATE TABLE \"SCOTT\".\"EMP\" (\"EMPNO\" NUMBER(4,0))\n",
    "Job \"SYSTEM\".\"B2A_IMPORT\" completed with 1 error(s) at Mon Dec 7 03:00:00 2026 elapsed 0 00:00:05\n"
    "b2a: Data Pump job COMPLETED\n",
]


@unittest.skipUnless(os.path.exists(DUMP), "sample dumps not found (set B2A_SAMPLES): skipped")
class OracleJobOnFakeEngine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="b2a-orajob-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_job(self, exchanges, limit=None, dump=DUMP):
        case = os.path.join(self.tmp, "case.json")
        with open(case, "w") as f:
            json.dump({"exchanges": exchanges}, f)
        fake = FakeEngine(case)
        try:
            env = dict(os.environ, B2A_ORACLE_ODBC_DRIVER="Oracle 23 ODBC driver")
            env.pop("B2A_ORACLE_DATA_LIMIT", None)
            if limit is not None:
                env["B2A_ORACLE_DATA_LIMIT"] = str(limit)
            p = subprocess.run([CLI, "run", "--restore", dump, "-o", os.path.join(self.tmp, "out"),
                                "--docker-host", fake.host], capture_output=True, text=True,
                               timeout=120, env=env)
            requests = fake.requests()
        finally:
            fake.stop()
        with open(os.path.join(self.tmp, "out", "job.json")) as f:
            job = json.load(f)
        return p, requests, job

    def start_exchanges(self):
        return [{"expect": "GET /v1.41/_ping", "status": 200, "body": "OK"},
             {"expect": "GET /v1.41/images/gvenzl%2Foracle-free%3A23-faststart/json", "status": 200,
              "body": {"Id": "sha256:0a1e"}},
             {"expect": "POST /v1.41/containers/create", "status": 201, "body": {"Id": "0a1e00d1", "Warnings": []}},
             {"expect": "POST /v1.41/containers/0a1e00d1/start", "status": 204}]

    def test_failed_import_fails_the_job_and_removes_the_container(self):
        x = self.start_exchanges()
        x += exec_exchanges("pr1", ["ORA-12514: Cannot connect to database. Service FREEPDB1 is not registered\n"], 1)
        # not ready: the pipeline checks the container is still running, waits, probes again
        x += [{"expect": "GET /v1.41/containers/0a1e00d1/json", "status": 200, "body": RUNNING}]
        x += exec_exchanges("pr2", ["B2AREADY\n"], 0)
        x += exec_exchanges("rs1", IMPORT, 0)
        # a failed step: the pipeline asks whether the container died (killed, OOM), five
        # times while it still runs, then stops and removes it
        x += [{"expect": "GET /v1.41/containers/0a1e00d1/json", "status": 200, "body": RUNNING}] * 5
        x += [              {"expect": "POST /v1.41/containers/0a1e00d1/stop", "status": 204},
              {"expect": "DELETE /v1.41/containers/0a1e00d1", "status": 204}]
        p, requests, job = self.run_job(x)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual([(r["method"], r["target"]) for r in requests if r.get("unexpected")], [], p.stderr)
        self.assertIn("Data Pump import jliverse_datapump_scott.dmp failed: ORA-39083: Object type "
                      "TABLE:\"SCOTT\".\"EMP\" failed to create with error: / ORA-01950: no privileges on "
                      "tablespace 'USERS'", p.stderr)
        # the container is stopped and removed, with its volumes
        self.assertEqual([(r["method"], r["target"]) for r in requests[-2:]],
                         [("POST", "/v1.41/containers/0a1e00d1/stop?t=10"),
                          ("DELETE", "/v1.41/containers/0a1e00d1?force=1&v=1")])
        create = json.loads(next(r for r in requests if r["target"] == "/v1.41/containers/create")["body"])
        # publish mode, which --network auto picks for Oracle: 1521 on 127.0.0.1 only
        binding = create["HostConfig"]["PortBindings"]["1521/tcp"]
        self.assertEqual(len(binding), 1)
        self.assertEqual(binding[0]["HostIp"], "127.0.0.1")
        self.assertIn("ready on 127.0.0.1:%s " % binding[0]["HostPort"], p.stderr)
        self.assertNotIn("NetworkMode", create["HostConfig"])
        self.assertEqual(create["Labels"]["bak2avro.vendor"], "oracle")
        password = next(e.split("=", 1)[1] for e in create["Env"] if e.startswith("ORACLE_PASSWORD="))
        self.assertIn("ORACLE_PWD=" + password, create["Env"])
        # the password: only ever the value of its variables, never in an argv or the job
        everything = json.dumps(requests)
        for var in ("ORACLE_PASSWORD=", "ORACLE_PWD=", "B2A_ORACLE_PASSWORD="):
            everything = everything.replace(var + password, var)
        self.assertNotIn(password, everything)
        self.assertNotIn(password, p.stderr + p.stdout + json.dumps(job))
        restore = next(s for s in job["steps"] if s["name"] == "restore")
        self.assertEqual(restore["status"], "Failed")
        self.assertEqual(job["vendor"], "oracle")

    def test_tables_of_an_oracle_maintained_user_are_imported_into_a_stage_user(self):
        """The SCOTT dump with SCOTT renamed OUTLN (same length): every table
        belongs to a user the image maintains. The job is no longer refused:
        the import remaps OUTLN to the stage user B2A$OUTLN, created first
        without a password. Exporting needs Oracle's ODBC driver, absent
        here: the job then fails at introspection, naming it, and the
        container is removed."""
        with open(DUMP, "rb") as f:
            data = f.read()
        dump = os.path.join(self.tmp, "outln.dmp")
        with open(dump, "wb") as f:
            f.write(data.replace(b"SCOTT", b"OUTLN"))
        os.chmod(dump, 0o644)
        x = self.start_exchanges()
        x += exec_exchanges("pr1", ["B2AREADY\n"], 0)
        x += exec_exchanges("rs1", [
            "Processing object type TABLE_EXPORT/TABLE/TABLE\n",
            ". . imported \"B2A$OUTLN\".\"DEPT\"                          5.929 KB       4 rows\n",
            "Job \"SYSTEM\".\"B2A_IMPORT\" successfully completed at Mon Dec 7 03:00:00 2026 elapsed 0 00:00:05\n"
            "b2a: Data Pump job COMPLETED\n"], 0)
        # introspection fails (no driver here): the container is stopped and removed
        x += [{"expect": "POST /v1.41/containers/0a1e00d1/stop", "status": 204},
              {"expect": "DELETE /v1.41/containers/0a1e00d1", "status": 204}]
        p, requests, job = self.run_job(x, dump=dump)
        self.assertEqual([(r["method"], r["target"]) for r in requests if r.get("unexpected")], [], p.stderr)
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertIn("introspect: Failed: ODBC driver \"Oracle 23 ODBC driver\" is not installed", p.stderr)
        self.assertNotIn("remapping is not supported", p.stderr)
        execs = [json.loads(r["body"]) for r in requests if r["target"].endswith("/exec")]
        script = execs[-1]["Cmd"][2]
        self.assertIn("b2a_users \"$owners\"' B2A$OUTLN' || exit 1\n", script)
        self.assertIn("DBMS_DATAPUMP.OPEN('IMPORT', 'FULL', NULL, 'B2A_IMPORT')", script)
        self.assertIn("DBMS_DATAPUMP.METADATA_REMAP(h, 'REMAP_SCHEMA', 'OUTLN', 'B2A$OUTLN');", script)
        restore = next(s for s in job["steps"] if s["name"] == "restore")
        self.assertEqual(restore["status"], "Success")
        self.assertEqual([(r["method"], r["target"]) for r in requests[-2:]],
                         [("POST", "/v1.41/containers/0a1e00d1/stop?t=10"),
                          ("DELETE", "/v1.41/containers/0a1e00d1?force=1&v=1")])
        password = next(e.split("=", 1)[1] for e in json.loads(
            next(r for r in requests if r["target"] == "/v1.41/containers/create")["body"])["Env"]
            if e.startswith("ORACLE_PASSWORD="))
        everything = json.dumps(requests)
        for var in ("ORACLE_PASSWORD=", "ORACLE_PWD=", "B2A_ORACLE_PASSWORD="):
            everything = everything.replace(var + password, var)
        self.assertNotIn(password, everything)
        self.assertNotIn(password, p.stderr + p.stdout + json.dumps(job))

    def test_imp_creates_the_tablespaces_the_dump_names(self):
        """A classic dump (hr_exp10g, whose DDL names the tablespaces EXAMPLE
        and USERS) through imp: the exec'd script creates the tablespaces
        the DDL names before imp runs (Oracle Managed Files), then imports
        FULL=Y; the password only in the environment."""
        dump = os.path.join(SAMPLES, "oracle", "hr_exp10g_classic__momaresh.dmp")
        x = self.start_exchanges()
        x += exec_exchanges("pr1", ["B2AREADY\n"], 0)
        x += exec_exchanges("rs1", ["IMP-00017: following statement failed with ORACLE error 959:\n",
                                    " \"CREATE TABLE \"COUNTRIES\" (\"COUNTRY_ID\" CHAR(2)) TABLESPACE \"EXAMPLE\"\"\n",
                                    "IMP-00003: ORACLE error 959 encountered\n",
                                    "ORA-00959: tablespace 'EXAMPLE' does not exist\n",
                                    "Import terminated successfully with warnings.\n"], 0)
        x += [{"expect": "GET /v1.41/containers/0a1e00d1/json", "status": 200, "body": RUNNING}] * 5
        x += [{"expect": "POST /v1.41/containers/0a1e00d1/stop", "status": 204},
              {"expect": "DELETE /v1.41/containers/0a1e00d1", "status": 204}]
        p, requests, job = self.run_job(x, dump=dump)
        self.assertEqual([(r["method"], r["target"]) for r in requests if r.get("unexpected")], [], p.stderr)
        self.assertEqual(p.returncode, 3, p.stderr)
        # had the tablespace been missing, imp's error names it
        self.assertIn("imp hr_exp10g_classic__momaresh.dmp failed: IMP-00017: following statement failed with "
                      "ORACLE error 959:", p.stderr)
        execs = [json.loads(r["body"]) for r in requests if r["target"].endswith("/exec")]
        script = execs[-1]["Cmd"][2]
        # the tablespaces from the DDL, created by OMF before imp
        self.assertIn("ddl=$(LC_ALL=C grep -a -o -E '^CONNECT [A-Z][A-Z0-9_$#]{0,127}$|TABLESPACE "
                      "\"[A-Z][A-Z0-9_$#]{0,127}\"' \"$0\" | sort -u)\n", script)
        self.assertIn("b2a_tablespaces \"$(printf '%s\\n' \"$ddl\" | sed -n 's/^TABLESPACE \"\\(.*\\)\"$/\\1/p')\" "
                      "|| exit 1\n", script)
        self.assertIn("EXECUTE IMMEDIATE 'ALTER SYSTEM SET DB_CREATE_FILE_DEST = ''/opt/oracle/oradata'' "
                      "SCOPE = MEMORY';", script)
        self.assertLess(script.index("b2a_tablespaces \""), script.index("imp PARFILE="))
        self.assertIn(" FULL=Y GRANTS=N", script)
        self.assertEqual(execs[-1]["Cmd"][3], "/backup/0/hr_exp10g_classic__momaresh.dmp")
        password = next(e.split("=", 1)[1] for e in json.loads(
            next(r for r in requests if r["target"] == "/v1.41/containers/create")["body"])["Env"]
            if e.startswith("ORACLE_PASSWORD="))
        self.assertNotIn(password, json.dumps(execs[-1]["Cmd"]))
        self.assertIn("B2A_ORACLE_PASSWORD=" + password, execs[-1]["Env"])

    def test_a_table_alone_over_the_limit_fails_naming_it(self):
        """A dump over the data limit (injected small: 150,000 bytes for this
        380,928-byte dump) is imported table by table: the first round
        imports SCOTT.DEPT alone, filtered by name; Free's ORA-12954 on it
        fails the job naming the table and the limit."""
        x = self.start_exchanges()
        x += exec_exchanges("pr1", ["B2AREADY\n"], 0)
        x += exec_exchanges("rs1", [
            "ORA-31693: Table data object \"SCOTT\".\"DEPT\" failed to load/unload and is being skipped due to "
            "error:\nORA-12954: The request exceeds the maximum allowed database size of 12 GB.\n",
            "b2a: Data Pump job COMPLETED\n"], 0)
        x += [{"expect": "GET /v1.41/containers/0a1e00d1/json", "status": 200, "body": RUNNING}] * 5
        x += [{"expect": "POST /v1.41/containers/0a1e00d1/stop", "status": 204},
              {"expect": "DELETE /v1.41/containers/0a1e00d1", "status": 204}]
        p, requests, job = self.run_job(x, limit=150000)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual([(r["method"], r["target"]) for r in requests if r.get("unexpected")], [], p.stderr)
        self.assertIn("Data Pump import jliverse_datapump_scott.dmp (round 1 of 3: SCOTT.DEPT) failed: ORA-31693",
                      p.stderr)
        self.assertIn("Oracle Database Free holds at most 12 GB of user data, and SCOTT.DEPT, estimated at 0.0 GB, "
                      "is over it alone: such a table cannot be imported into this image", p.stderr)
        # the round's exec: SCOTT's DEPT alone, by name, in TABLE mode
        execs = [json.loads(r["body"]) for r in requests if r["target"].endswith("/exec")]
        script = execs[-1]["Cmd"][2]
        self.assertIn("DBMS_DATAPUMP.OPEN('IMPORT', 'TABLE', NULL, 'B2A_IMPORT')", script)
        self.assertIn("DBMS_DATAPUMP.METADATA_FILTER(h, 'NAME_EXPR', 'IN (''DEPT'')');", script)
        self.assertNotIn("DROP TABLE", script)
        self.assertEqual([(r["method"], r["target"]) for r in requests[-2:]],
                         [("POST", "/v1.41/containers/0a1e00d1/stop?t=10"),
                          ("DELETE", "/v1.41/containers/0a1e00d1?force=1&v=1")])
        restore = next(s for s in job["steps"] if s["name"] == "restore")
        self.assertEqual(restore["status"], "Failed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
