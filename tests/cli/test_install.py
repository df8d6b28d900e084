"""`meson install --destdir` installs what a user of the tool and of the library needs:
the library, its headers, a pkg-config file that works with --define-prefix, the CLI,
its man page and its bash completion."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ["B2A_BUILD_ROOT"]
SOURCE = os.environ["B2A_SOURCE_ROOT"]
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "DESTDIR")}


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def introspect(key):
    import json
    return json.loads(sh("meson", "introspect", "--" + key, BUILD).stdout)


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = tempfile.mkdtemp(prefix="b2a-install-")
        p = sh("meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", cls.dest, env=CLEAN_ENV)
        assert p.returncode == 0, p.stdout + p.stderr
        opts = {o["name"]: o["value"] for o in introspect("buildoptions")}
        cls.root = cls.dest + opts["prefix"]
        cls.libdir = os.path.join(cls.root, opts["libdir"])
        cls.mandir = os.path.join(cls.root, opts["mandir"])
        cls.datadir = os.path.join(cls.root, opts["datadir"])
        cls.man_wanted = opts["man"] != "disabled"
        # A sanitized library links only into a program built with the same sanitizers.
        cls.sanitize = [] if opts["b_sanitize"] == "none" else ["-fsanitize=" + opts["b_sanitize"]]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def path(self, *parts):
        p = os.path.join(*parts)
        self.assertTrue(os.path.exists(p), p + " is not installed")
        return p

    def test_library_headers_and_cli(self):
        self.assertTrue(os.path.islink(self.path(self.libdir, "libbak2avro.so")))
        self.assertEqual(os.readlink(self.path(self.libdir, "libbak2avro.so.0")), "libbak2avro.so.0.1.0")
        for h in ("bak2avro.h", "bak2avro/job.h", "bak2avro/version.h"):
            self.path(self.root, "include", h)
        cli = self.path(self.root, "bin", "bak2avro")
        p = sh(cli, "--version", env=dict(CLEAN_ENV, LD_LIBRARY_PATH=self.libdir))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("bak2avro "))

    def test_man_page(self):
        if not self.man_wanted or not shutil.which("scdoc"):
            self.skipTest("scdoc is absent (apt-get install scdoc): no man page is built")
        page = self.path(self.mandir, "man1", "bak2avro.1")
        with open(page) as f:
            self.assertIn('.TH "bak2avro" "1"', f.read())
        p = sh("man", "-l", page, env=dict(CLEAN_ENV, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
        self.assertEqual(p.returncode, 0, p.stderr)
        text = re.sub(".\b", "", p.stdout)  # man's overstrikes for bold and underline
        self.assertIn("bak2avro run [options] BACKUP... -o OUT", text)

    def test_bash_completion(self):
        script = self.path(self.datadir, "bash-completion", "completions", "bak2avro")
        probe = ('source "$1"; COMP_WORDS=(bak2avro ins); COMP_CWORD=1; _bak2avro; echo "${COMPREPLY[@]}";'
                 'COMP_WORDS=(bak2avro run --codec ""); COMP_CWORD=3; _bak2avro; echo "${COMPREPLY[@]}"')
        p = sh("bash", "-c", probe, "probe", script)
        self.assertEqual(p.stdout, "inspect\nsnappy deflate null\n", p.stderr)

    def test_pkg_config_with_define_prefix_builds_a_program(self):
        pcdir = self.path(self.libdir, "pkgconfig")
        self.path(pcdir, "bak2avro.pc")
        env = dict(CLEAN_ENV, PKG_CONFIG_PATH=pcdir)
        p = sh("pkg-config", "--define-prefix", "--cflags", "--libs", "bak2avro", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        flags = p.stdout.split()
        self.assertIn("-I" + os.path.realpath(os.path.join(self.root, "include")),
                      ["-I" + os.path.realpath(f[2:]) for f in flags if f.startswith("-I")])
        self.assertIn("-L" + os.path.realpath(self.libdir),
                      ["-L" + os.path.realpath(f[2:]) for f in flags if f.startswith("-L")])
        exe = os.path.join(self.dest, "run_job")
        p = sh("cc", "-o", exe, os.path.join(SOURCE, "examples", "run_job.c"), *flags, "-luv",
               *self.sanitize)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
