"""calendar_feed: what the feed last held (a version) and when that changed, for 304 answers

Revision ID: c4d1e8a2f7b3
Revises: c4a7e2f9b813
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = 'c4d1e8a2f7b3'
down_revision = 'c4a7e2f9b813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('changed_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('version')
