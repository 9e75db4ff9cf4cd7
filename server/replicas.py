"""Several `kb serve` replicas behind nginx: the nginx configuration, generated from server/deploy/nginx.conf.template.

The replicas share one read-only index directory (vectors memory-mapped, see kb/store.py) and each notices a newly
published build by itself, so a re-index reaches all of them without a restart. nginx spreads requests over them and
sends a request to the next replica when one refuses, dies or answers 502/503.

    python -m server.replicas --replica 127.0.0.1:8001 --replica 127.0.0.1:8002 --listen 8080 --run-dir var/nginx
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pydantic import BaseModel, Field

TEMPLATE = Path(__file__).with_name("deploy") / "nginx.conf.template"


class ReplicaSet(BaseModel):
    """What the nginx configuration is made from."""

    replicas: list[str] = Field(min_length=1)  # host:port of each `kb serve`
    listen_port: int = Field(ge=1, le=65535)
    run_dir: Path  # nginx's prefix: its pid file, logs and temporary files
    rate_per_minute: int = Field(default=600, ge=1)  # per client address, on /api/*
    fail_timeout_s: int = Field(default=5, ge=1)

    def render(self, template: Path = TEMPLATE) -> str:
        servers = "\n".join(
            f"        server {address} max_fails=1 fail_timeout={self.fail_timeout_s}s;" for address in self.replicas
        )
        fields = {
            "RUN_DIR": str(self.run_dir.resolve()),
            "SERVERS": servers,
            "LISTEN_PORT": str(self.listen_port),
            "TRIES": str(len(self.replicas)),
            "RATE_PER_MINUTE": str(self.rate_per_minute),
            "BURST": str(max(1, self.rate_per_minute // 6)),  # ten seconds' worth at once
        }
        text = template.read_text(encoding="utf-8")
        for name, value in fields.items():
            text = text.replace(f"@{name}@", value)
        unfilled = re.findall(r"@[A-Z_]+@", text)
        if unfilled:
            raise ValueError(f"{template} has fields this renderer does not fill: {', '.join(unfilled)}")
        return text

    def write(self) -> Path:
        """The configuration at `<run_dir>/nginx.conf`, with the directories nginx expects."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "nginx.conf"
        path.write_text(self.render(), encoding="utf-8")
        return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.replicas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replica", action="append", required=True, help="host:port of a `kb serve` (repeat)")
    parser.add_argument("--listen", type=int, default=8080, help="port nginx listens on, on 127.0.0.1")
    parser.add_argument("--run-dir", type=Path, default=Path("var/nginx"), help="nginx's prefix (pid, logs, temp)")
    parser.add_argument("--rate-per-minute", type=int, default=600, help="requests per client per minute on /api/")
    args = parser.parse_args(argv)
    replica_set = ReplicaSet(
        replicas=args.replica, listen_port=args.listen, run_dir=args.run_dir, rate_per_minute=args.rate_per_minute
    )
    path = replica_set.write()
    print(f"wrote {path}; start: nginx -p {path.parent.resolve()} -c {path.resolve()} -g 'daemon off;'")


if __name__ == "__main__":
    main()
