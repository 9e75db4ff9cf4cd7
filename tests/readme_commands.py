"""The README's own shell commands, for tests that must run what a newcomer would type (not hand-rolled equivalents).

Commands come from the ```sh blocks of one README section, one command per line. A test runs them as written, with
the ports and `var/` directories it names replaced by the test's own (free ports, temporary directories), so the
tests never touch the checkout's var/ nor collide with a running `make run`.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def section_commands(heading: str) -> list[str]:
    """Every command line of the ```sh blocks under the README heading that starts with `heading` (to the next
    heading of the same or a higher level)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip().startswith(heading))
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    commands: list[str] = []
    in_block = False
    for line in lines[start + 1 :]:
        if not in_block and re.match(rf"^#{{1,{level}}} ", line):
            break
        if line.lstrip().startswith("```"):  # a block may be indented inside a list item
            in_block = line.strip() == "```sh"
            continue
        if in_block and line.strip() and not line.lstrip().startswith("#"):
            commands.append(line.strip())
    return commands


def find(commands: list[str], *words: str) -> str:
    """The one command containing every word (a README edit that drops or duplicates it fails the test)."""
    matches = [c for c in commands if all(w in c for w in words)]
    assert len(matches) == 1, f"expected one README command with {words}, found {matches}"
    return matches[0]


@dataclass
class ReadmeShell:
    """Runs README commands with replacements (port -> free port, `var/x` -> a temporary directory) and an
    environment that `export` lines update, as a shell session would."""

    replacements: Mapping[str, str]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def resolve(self, command: str) -> str:
        for old, new in sorted(self.replacements.items(), key=lambda kv: -len(kv[0])):
            command = re.sub(rf"(?<![\w/.-]){re.escape(old)}(?![\w])", new, command)
        return command

    def run(self, command: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        resolved = self.resolve(command)
        if resolved.startswith("export "):
            name, _, value = resolved.removeprefix("export ").partition("=")
            expanded = subprocess.run(
                ["bash", "-c", f"printf %s {value}"], env=self.env, cwd=ROOT, capture_output=True, text=True
            )
            self.env[name] = expanded.stdout
            return subprocess.CompletedProcess(resolved, 0, "", "")
        done = subprocess.run(
            ["bash", "-ec", resolved], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        if check:
            output = done.stdout[-2000:] + done.stderr[-3000:]
            assert done.returncode == 0, f"{resolved}\nexit {done.returncode}\n{output}"
        return done

    def popen(self, command: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as sink:
            return subprocess.Popen(
                ["bash", "-ec", f"exec {self.resolve(command)}"], env=self.env, cwd=ROOT, stdout=sink, stderr=sink
            )
