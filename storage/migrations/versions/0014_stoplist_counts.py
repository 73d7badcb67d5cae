"""A stopped fingerprint's `documents` counts the documents holding it now, not when it was stopped.

The stoplist stored the count once, when a fingerprint passed 25 documents, and never again: in an
archive grown one report at a time every stopped fingerprint said 26. A text made of stock phrases
looks up its 16 rarest stopped fingerprints by that count (storage.dedup_index), and only the ones
held by fewer documents than the lookup reads postings of tell its source from older documents; with
every count at 26 the 16 were picked by their hash. The archive now counts a holder in and out as
documents are indexed and removed; this recounts the existing rows once (on the dedup benchmark's
million-document SQLite archive, 120,000 stopped fingerprints with 58 million postings).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE dedup_stoplist SET documents = "
               "(SELECT count(*) FROM dedup_fingerprints WHERE dedup_fingerprints.hash = dedup_stoplist.hash)")


def downgrade() -> None:
    pass  # the counts stay true; the code before this revision only reads them
