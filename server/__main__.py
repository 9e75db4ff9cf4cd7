"""`python -m server [host] [port] [workers]`: run the API under uvicorn (the same as `kb serve`)."""

from __future__ import annotations

import sys

from server.app import serve


def main(argv: list[str]) -> None:
    host = argv[0] if argv else "127.0.0.1"
    port = int(argv[1]) if len(argv) > 1 else 8000
    workers = int(argv[2]) if len(argv) > 2 else 1
    serve(host, port, workers)


if __name__ == "__main__":
    main(sys.argv[1:])
