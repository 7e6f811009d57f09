"""study-wide figures kept between requests: a version raised by every change they count;
indexes that give the pipeline board each stage in the order it was entered

Revision ID: 4a7d2c9e1f05
Revises: 9b3e6f1c2a57
Create Date: 2026-12-04 18:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a7d2c9e1f05'
down_revision = '9b3e6f1c2a57'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('study_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'epoch': secrets.token_hex(8), 'number': 0}])
    since = sa.text('coalesce(transcript_updated_at, starts_at)')
    pending = sa.text("recording_location != '' AND recording_deleted_at IS NULL")
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index('ix_interview_status_since', ['status', since, 'id'], unique=False)
        batch_op.create_index('ix_interview_stage_since',
                              ['status', 'transcript_status', since, 'id'], unique=False)
        batch_op.create_index('ix_interview_recording_pending',
                              ['status', 'transcript_status', since, 'id'], unique=False,
                              sqlite_where=pending, postgresql_where=pending)


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_recording_pending')
        batch_op.drop_index('ix_interview_stage_since')
        batch_op.drop_index('ix_interview_status_since')
    op.drop_table('study_version')
