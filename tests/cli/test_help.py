"""Every bak2avro subcommand answers --help and -h with its own usage (exit 0, stdout),
and an unknown option with that usage on stderr (exit 2). Needs no sample."""
import os
import subprocess
import unittest

CLI = os.environ["B2A_CLI"]
COMMANDS = ["run", "inspect", "gc", "restore", "export", "stop", "version", "help"]


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Help(unittest.TestCase):
    def test_every_command_answers_help_with_its_own_usage(self):
        for cmd in COMMANDS:
            for flag in ("--help", "-h"):
                with self.subTest(cmd=cmd, flag=flag):
                    code, out, err = run(cmd, flag)
                    self.assertEqual(code, 0, err)
                    self.assertEqual(err, "")
                    self.assertTrue(out.startswith("usage: bak2avro %s" % cmd), out)
                    self.assertIn("-h, --help", out)

    def test_help_names_each_command_s_options(self):
        self.assertIn("--parallel N", run("run", "--help")[1])
        self.assertIn("--docker-host URL", run("gc", "--help")[1])
        self.assertNotIn("--parallel", run("inspect", "--help")[1])

    def test_help_after_a_file_is_still_help(self):
        code, out, _ = run("inspect", "no-such.bak", "--help")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("usage: bak2avro inspect"), out)

    def test_unknown_option_gives_the_command_s_usage_on_stderr_exit_2(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                code, out, err = run(cmd, "--no-such-option")
                self.assertEqual(code, 2)
                self.assertEqual(out, "")
                self.assertIn("bak2avro %s: unrecognized option '--no-such-option'" % cmd, err)
                self.assertIn("usage: bak2avro %s" % cmd, err)

    def test_help_command_and_top_level_flags(self):
        for args in (["help"], ["--help"], ["-h"]):
            code, out, _ = run(*args)
            self.assertEqual(code, 0)
            self.assertTrue(out.startswith("usage: bak2avro run"), out)
            self.assertIn("`bak2avro COMMAND --help` prints the command's options.", out)
        self.assertEqual(run("help", "gc"), run("gc", "--help"))
        code, _, err = run("help", "nope")
        self.assertEqual(code, 2)
        self.assertIn('bak2avro help: unknown command "nope"', err)

    def test_file_named_like_an_option_after_double_dash(self):
        code, out, err = run("inspect", "--", "-no-such-file")
        self.assertEqual(code, 3)
        self.assertIn('"path": "-no-such-file"', out)

    def test_stray_arguments_are_usage_errors(self):
        code, _, err = run("gc", "extra")
        self.assertEqual((code, err.splitlines()[0]), (2, "bak2avro gc: unexpected argument extra"))
        code, _, err = run("version", "extra")
        self.assertEqual((code, err.splitlines()[0]), (2, "bak2avro version: unexpected argument extra"))

    def test_version(self):
        for args in (["version"], ["--version"]):
            code, out, _ = run(*args)
            self.assertEqual(code, 0)
            self.assertRegex(out, r"^bak2avro \d+\.\d+\.\d+\n$")


if __name__ == "__main__":
    unittest.main()
