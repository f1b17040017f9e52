"""``python -m steam_openid --port 8788 [--steam-id 7656...]``: serve the stand-in on loopback."""

from __future__ import annotations

import argparse

import uvicorn

from steam_openid.provider import DEFAULT_STEAM_ID, SteamOpenIdStandIn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m steam_openid", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8788)
    parser.add_argument(
        "--steam-id", default=DEFAULT_STEAM_ID, help="SteamID64 approved when ?steamid= is absent"
    )
    args = parser.parse_args(argv)
    stand_in = SteamOpenIdStandIn(f"http://{args.host}:{args.port}/openid/login", steam_id=args.steam_id)
    uvicorn.run(stand_in.asgi_app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
