"""python -m farm [--port 8899]: serve the farm until interrupted; point http_proxy at it (https goes through it too)."""
import argparse

from farm.server import FarmServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m farm", description=__doc__)
    parser.add_argument("--port", type=int, default=8899)
    args = parser.parse_args()
    server = FarmServer(port=args.port)
    print(f"farm: {len(server.farm.routes)} pages on {len(server.farm.hosts)} hosts; "
          f"export http_proxy={server.proxy_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
