"""Several `kb serve` replicas behind nginx: the replica set and the nginx configuration made from it.

The replicas share one read-only index directory (vectors memory-mapped, see kb/store.py) and each notices a newly
published build by itself, so a re-index reaches all of them without a restart. nginx spreads requests over them and
sends a request to the next replica when one refuses, dies or answers 502/503; a drained replica (being restarted by
`kb replicas roll`) gets no request at all. `server/replica_supervisor.py` starts, rolls and stops them.
"""

from __future__ import annotations

import grp
import math
import os
import pwd
import re
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

TEMPLATE = Path(__file__).with_name("deploy") / "nginx.conf.template"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"


class ReplicaAddress(BaseModel):
    """One `kb serve`: its name (`X-Replica`, `TIPKB_REPLICA_NAME`) and where it listens."""

    name: str = Field(pattern=NAME_PATTERN)
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, name: object) -> object:
        if isinstance(name, str) and not re.match(NAME_PATTERN, name):
            raise ValueError(f"replica name {name!r}: 1 to 32 lowercase letters, digits or '-', e.g. a")
        return name

    @classmethod
    def parse(cls, spec: str) -> ReplicaAddress:
        """`name=host:port` (or `name=port`, on 127.0.0.1), as given on the command line."""
        name, sep, address = spec.partition("=")
        if not sep:
            raise ValueError(f"{spec!r}: expected name=host:port, e.g. a=127.0.0.1:8011")
        host, _, port = address.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"{spec!r}: the port must be a number, e.g. a=127.0.0.1:8011")
        return cls(name=name, host=host or "127.0.0.1", port=int(port))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


class ReplicaSet(BaseModel):
    """What the nginx configuration is made from."""

    replicas: list[ReplicaAddress] = Field(min_length=1)
    listen_port: int = Field(ge=1, le=65535)
    run_dir: Path  # nginx's prefix: its pid file, logs and temporary files
    # Per client address, on /api/*: enough for a page of answers and for the README's own 300-request check.
    rate_per_minute: int = Field(default=1200, ge=1)
    fail_timeout_s: int = Field(default=5, ge=1)
    drained: set[str] = Field(default_factory=set)  # replica names nginx must not send requests to
    # nginx started as root runs its workers as this user; None: the run directory's owner, so the workers can spool
    # large uploads there (nginx's default, `nobody`, cannot). Not written when the configuration is made by a user
    # other than root (nginx then runs as that user and would warn that `user` is ignored).
    user: str | None = None

    @field_validator("replicas")
    @classmethod
    def _unique(cls, replicas: list[ReplicaAddress]) -> list[ReplicaAddress]:
        for what, values in (("name", [r.name for r in replicas]), ("address", [r.address for r in replicas])):
            if len(set(values)) != len(values):
                raise ValueError(f"every replica needs its own {what}: {', '.join(values)}")
        return replicas

    def render(self, template: Path = TEMPLATE) -> str:
        live = [r for r in self.replicas if r.name not in self.drained]
        if not live:
            raise ValueError("at least one replica must stay in service (not drained)")
        servers = "\n".join(
            f"        server {r.address} max_fails=1 fail_timeout={self.fail_timeout_s}s"
            f"{' down' if r.name in self.drained else ''};  # {r.name}"
            for r in self.replicas
        )
        fields = {
            "RUN_DIR": str(self.run_dir.resolve()),
            "USER": f"user {self._worker_user()};" if os.geteuid() == 0 else "# (not root: workers run as this user)",
            "SERVERS": servers,
            "LISTEN_PORT": str(self.listen_port),
            "TRIES": str(len(self.replicas)),
            "RATE_PER_MINUTE": str(self.rate_per_minute),
            "BURST": str(max(1, self.rate_per_minute // 4)),  # fifteen seconds' worth at once
            "RETRY_AFTER": str(max(1, math.ceil(60 / self.rate_per_minute))),  # when the next request is let in
        }
        text = template.read_text(encoding="utf-8")
        for name, value in fields.items():
            text = text.replace(f"@{name}@", value)
        unfilled = re.findall(r"@[A-Z_]+@", text)
        if unfilled:
            raise ValueError(f"{template} has fields this renderer does not fill: {', '.join(unfilled)}")
        return text

    def _worker_user(self) -> str:
        if self.user is not None:
            return self.user
        owner = self.run_dir.stat() if self.run_dir.is_dir() else None  # else: whoever writes it will own it
        uid, gid = (owner.st_uid, owner.st_gid) if owner else (os.geteuid(), os.getegid())
        return f"{pwd.getpwuid(uid).pw_name} {grp.getgrgid(gid).gr_name}"

    def write(self) -> Path:
        """The configuration at `<run_dir>/nginx.conf`, written aside and renamed (a reload never reads half)."""
        text = self.render()  # before anything is written: a refused configuration leaves the old one in place
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "nginx.conf"
        staged = path.with_suffix(".conf.tmp")
        staged.write_text(text, encoding="utf-8")
        staged.replace(path)
        return path
