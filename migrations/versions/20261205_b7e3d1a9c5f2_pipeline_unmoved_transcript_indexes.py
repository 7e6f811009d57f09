"""pipeline board: two partial indexes that hold the conducted interviews whose transcript never
moved, by stage and start, so each of those lanes is a bounded walk on PostgreSQL too

Revision ID: b7e3d1a9c5f2
Revises: 8217f3d6a364
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3d1a9c5f2'
down_revision = '8217f3d6a364'
branch_labels = None
depends_on = None

UNMOVED = "status = 'conducted' AND transcript_updated_at IS NULL"
PENDING = "recording_location != '' AND recording_deleted_at IS NULL"
COLUMNS = ['transcript_status', 'starts_at', 'id']


def upgrade():
    unmoved = sa.text(UNMOVED)
    pending = sa.text(f"{UNMOVED} AND {PENDING}")
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index('ix_interview_stage_unmoved', COLUMNS, unique=False,
                              sqlite_where=unmoved, postgresql_where=unmoved)
        batch_op.create_index('ix_interview_recording_pending_unmoved', COLUMNS, unique=False,
                              sqlite_where=pending, postgresql_where=pending)


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_recording_pending_unmoved')
        batch_op.drop_index('ix_interview_stage_unmoved')
