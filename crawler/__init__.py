"""govreports: an archive of Chinese government work reports (政府工作报告), crawled from official portals."""
import os
import sys

__version__ = "0.2.0"


def _interrupted_quietly(kind, value, traceback) -> None:
    """Ctrl-C before a command's own handling starts (while Scrapy loads the project and the command):
    one line and the documented exit status 4, not a traceback. Anything else goes to the usual hook."""
    if issubclass(kind, KeyboardInterrupt):
        sys.stdout.flush()
        sys.stderr.write("scrapy: interrupted before the command started\n")
        sys.stderr.flush()
        os._exit(4)
    _usual_hook(kind, value, traceback)


# Only under Scrapy's command line (`scrapy …`, `python -m scrapy …`): a program that imports the
# package keeps its own handling of Ctrl-C.
_usual_hook = sys.excepthook
if os.path.basename(sys.argv[0] if sys.argv else "") in ("scrapy", "__main__.py") and "scrapy" in sys.argv[0]:
    sys.excepthook = _interrupted_quietly
