"""A TCP relay for the scale-out test: `python -m tests.integration.tcp_relay LISTEN=TARGET ...`.

PostgreSQL, Redis and the test's gunicorn listen on 127.0.0.1 only, which a process in another network
namespace cannot reach. This relay listens on the host end of each veth pair (`10.x.y.1:5432`) and forwards
to `127.0.0.1:5432`, the way a worker on another machine reaches the database over the network.
Prints `ready` once every address listens; runs until terminated.
"""

from __future__ import annotations

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


def _handler(target_host: str, target_port: int):
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))

    return handle


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def main(pairs: list[str]) -> None:
    servers = []
    for pair in pairs:
        listen, target = (_address(side) for side in pair.split("=", 1))
        servers.append(await asyncio.start_server(_handler(*target), *listen, reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
