"""`scrapy reindex`: every document's deduplication signature made again under the running scheme
(domain.dedup.Scheme), the candidate index rebuilt, the scheme recorded. Needed once after the scheme
changes, or after upgrading an archive from before deduplication: until then Archive.open refuses the
archive, since signatures of two schemes match nothing."""
import sys

from crawler.cli import ProjectCommand
from crawler.commands import open_archive


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return ""

    def short_desc(self):
        return "Make every document's deduplication signature again under the running scheme"

    def main(self, args, opts):
        # Imported here, not with the module: scrapy loads every command's module to list them, and the
        # dedup modules (numpy) would add 0.2 s to the start of every command.
        from storage.dedup_index import reindex

        archive = open_archive(self.settings, must_exist=True, check_scheme=False)
        with archive, archive.write_session() as session, session.begin():
            count = reindex(session.connection(), lambda done, total: print(
                f"{done}/{total} documents indexed", file=sys.stderr))
        print(f"{count} documents indexed under the running deduplication scheme")
