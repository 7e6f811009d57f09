"""outbox: on PostgreSQL, each email's bytes are compressed with lz4 instead of pglz

Revision ID: 3d8f1c6a0b57
Revises: 160bf4da253b
Create Date: 2026-12-05 12:30:00

An invitation's bytes (about 8 KB, its calendar attached twice) are compressed when stored and
decompressed when claimed for sending; pglz, the default, costs the server more time than the
insert and the claim themselves (issue 14). Only emails queued from now on are stored with lz4;
those already stored stay readable as they are. Nothing changes on SQLite, or on a PostgreSQL
older than 14 or built without lz4.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3d8f1c6a0b57'
down_revision = '160bf4da253b'
branch_labels = None
depends_on = None


def _set_compression(method):
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or bind.dialect.server_version_info < (14,):
        return
    # A server built without lz4 refuses it (feature_not_supported): it keeps pglz.
    op.execute(f"""
        DO $$
        BEGIN
            ALTER TABLE outbox_message_body ALTER COLUMN raw SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'outbox_message_body.raw: compression {method} not available';
        END $$""")


def upgrade():
    _set_compression('lz4')


def downgrade():
    _set_compression('default')
