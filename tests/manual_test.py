#!/usr/bin/env python3
"""seg(1) and the bash and zsh completions, as built (tools/manual.c).

    manual_test.py SEG SEG.1 BASH_COMPLETION ZSH_COMPLETION

Every option each command accepts (as its --help lists it: the same tables
drive the parser) is in the manual page under that command and offered by
both completions; the page renders without a warning (groff, man -l and
mandoc where installed); the bash completion, run by bash with COMP_WORDS
set, offers the commands, the options, files after a FILE option and the
choices of an option whose values are listed; where zsh is installed, an
interactive zsh on a pseudo-terminal completes with the zsh function.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SEG, MAN, BASH, ZSH = (os.path.abspath(a) for a in sys.argv[1:5])
del sys.argv[1:5]


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def commands():
    out = run([SEG, "--help"]).stdout
    block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines()]


def options(cmd):
    """(long, short or None) of every option in 'seg CMD --help'."""
    out = run([SEG, cmd, "--help"]).stdout
    found = re.findall(r"^  (?:-(\w), )?\s*--([a-z0-9-]+)", out, re.M)
    return [(name, short or None) for short, name in found]


def roff(s):
    return s.replace("-", "\\-")


class Manual(unittest.TestCase):
    def setUp(self):
        with open(MAN) as f:
            self.page = f.read()

    def test_the_built_page_is_what_seg_prints(self):
        self.assertEqual(run([SEG, "--man"]).stdout, self.page)

    def test_a_shell_seg_cannot_complete_is_a_usage_error(self):
        for args in (["--completion"], ["--completion", "fish"], ["--man", "x"]):
            r = run([SEG] + args)
            self.assertEqual((r.returncode, r.stdout), (2, ""), args)
            self.assertTrue(r.stderr.startswith("seg: "), r.stderr)

    def test_every_command_and_option_is_in_the_page(self):
        cmds = commands()
        self.assertEqual(len(cmds), 8)
        sections = re.split(r'^\.SS "seg (\w+)"$', self.page, flags=re.M)
        by_cmd = dict(zip(sections[1::2], sections[2::2]))
        self.assertEqual(sorted(by_cmd), sorted(cmds))
        n = 0
        for cmd in cmds:
            opts = options(cmd)
            self.assertGreater(len(opts), 1, cmd)
            for name, short in opts:
                # The tag line of a .TP entry: "\fB\-k\fR, \fB\-\-k\fR".
                tag = "\\fB\\-\\-%s\\fR" % roff(name)
                if short:
                    tag = "\\fB\\-%s\\fR, " % short + tag
                self.assertRegex(by_cmd[cmd], r"(?m)^\.TP\n" + re.escape(tag), (cmd, name))
                n += 1
        self.assertGreater(n, 60)

    def test_renders_without_warnings(self):
        env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")
        if shutil.which("groff"):
            r = run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN])
            self.assertEqual((r.returncode, r.stderr), (0, ""))
        if shutil.which("man"):
            r = run(["man", "-l", MAN], env=env)
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            text = re.sub(".\b", "", r.stdout)  # bold and underline by overstrike
            self.assertIn("seg - customer segmentation", text)
            self.assertIn("--pseudonymize-key FILE", text)
        if shutil.which("mandoc"):
            r = run(["mandoc", "-T", "lint", "-W", "warning", MAN])
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))
        if not (shutil.which("groff") or shutil.which("mandoc")):
            # Structurally: a title, the man(7) sections, no stray request.
            self.assertRegex(self.page, r'(?m)^\.TH SEG 1 "[0-9-]+" "libseg ')
            for sh in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", '"EXIT STATUS"'):
                self.assertRegex(self.page, r"(?m)^\.SH %s$" % sh)
            for line in self.page.splitlines():
                if line.startswith("."):
                    self.assertRegex(line, r"^\.(\\\"|TH|SH|SS|TP|PP|B|BR|I|IR|br|ad|nh)( |$)")


class BashCompletion(unittest.TestCase):
    def complete(self, *words, cwd=None):
        """COMPREPLY for the command line 'words', the last being completed."""
        script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ' \
                 '_seg_complete; printf "%s\\n" "${COMPREPLY[@]}"'
        r = run(["bash", "--norc", "--noprofile", "-c", script, "bash", BASH] + list(words),
                cwd=cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return [w for w in r.stdout.split("\n") if w]

    def test_commands(self):
        self.assertEqual(sorted(self.complete("seg", "")),
                         sorted(commands() + ["--help", "-h", "--version"]))
        self.assertEqual(self.complete("seg", "pr"), ["predict"])

    def test_every_option_of_every_command(self):
        for cmd in commands():
            offered = set(self.complete("seg", cmd, "-"))
            for name, short in options(cmd):
                self.assertIn("--" + name, offered, cmd)
                if short:
                    self.assertIn("-" + short, offered, cmd)
            self.assertEqual(self.complete("seg", cmd, "--he"), ["--help"])

    def test_files_for_operands_and_file_options(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "bank.csv"), "w").close()
            self.assertEqual(self.complete("seg", "segment", "ba", cwd=d), ["bank.csv"])
            self.assertEqual(self.complete("seg", "segment", "--model", "b", cwd=d),
                             ["bank.csv"])
            self.assertEqual(self.complete("seg", "segment", "-o", "b", cwd=d), ["bank.csv"])
            # --name=VALUE: bash has split the word at '='.
            self.assertEqual(self.complete("seg", "rfm", "--output", "=", "b", cwd=d),
                             ["bank.csv"])
            # A column name or a number: nothing to offer, not the files.
            self.assertEqual(self.complete("seg", "segment", "--id", "b", cwd=d), [])
            self.assertEqual(self.complete("seg", "segment", "-k", "", cwd=d), [])

    def test_listed_choices(self):
        self.assertEqual(self.complete("seg", "segment", "--dtype", ""), ["f32", "f64"])
        self.assertEqual(self.complete("seg", "segment", "--method", "w"), ["ward"])
        self.assertEqual(self.complete("seg", "rfm", "--returns", "=", "s"), ["subtract"])


class ZshCompletion(unittest.TestCase):
    def test_every_option_of_every_command(self):
        with open(ZSH) as f:
            text = f.read()
        self.assertTrue(text.startswith("#compdef seg\n"))
        branches = dict(re.findall(r"(?ms)^(\w+)\)\n(.*?)^  ;;$", text))
        self.assertEqual(sorted(branches), sorted(commands()))
        for cmd in commands():
            for name, short in options(cmd):
                if short:
                    self.assertIn("{-%s" % short, branches[cmd])
                    self.assertIn(",--%s" % name, branches[cmd])
                else:
                    self.assertRegex(branches[cmd], r"'--%s=?\[" % re.escape(name))

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_parses(self):
        r = run(["zsh", "-n", ZSH])
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_completes_in_an_interactive_zsh(self):
        # An interactive zsh on a terminal (completion runs only in the line
        # editor) with _seg on its fpath: type, press TAB, read the screen.
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(ZSH, os.path.join(d, "_seg"))
            open(os.path.join(d, "bank.csv"), "w").close()
            pid, fd = pty.fork()
            if pid == 0:
                os.chdir(d)
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "dumb",
                       "HOME": d}
                os.execvpe("zsh", ["zsh", "-f", "-i"], env)
            try:
                screen = Screen(fd)
                screen.send('PS1="RE""ADY> "; fpath=(%s $fpath); autoload -U compinit; '
                            'compinit -u -D; LISTMAX=1000\n' % d)
                screen.expect("READY> ")
                screen.send("seg segment --dt\t")
                screen.expect("--dtype=")
                screen.send("\x15seg rfm --returns \t")
                screen.expect(r"exclude\s+subtract")
                screen.send("\x15seg segment --model ba\t")
                screen.expect("--model bank.csv")
                screen.send("\x15seg predict --\t")
                screen.expect("--all-distances")  # the list is sorted
                screen.expect("--outlier-threshold")
                screen.send("\x15seg mi\t")
                screen.expect("seg migrate")
            finally:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                os.close(fd)


class Screen:
    """What a program on a pseudo-terminal has written, read as it comes."""

    def __init__(self, fd):
        self.fd, self.text = fd, ""

    def send(self, s):
        os.write(self.fd, s.encode())

    def expect(self, pattern, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\r\x07]", "", self.text)
            m = re.search(pattern, plain)
            if m:
                self.text = plain[m.end():]
                return
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise AssertionError("%r not on the screen: %r" % (pattern, plain[-2000:]))
            try:
                self.text += os.read(self.fd, 65536).decode(errors="replace")
            except OSError:
                raise AssertionError("zsh exited; screen: %r" % plain[-2000:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
