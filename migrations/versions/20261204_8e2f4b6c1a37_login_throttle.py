"""login attempts counted per key in one row, changed atomically (replaces login_failure)

Revision ID: 8e2f4b6c1a37
Revises: 651eb7f5825d
Create Date: 2026-12-04 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '8e2f4b6c1a37'
down_revision = '651eb7f5825d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    # Failures counted the old way only throttled for 15 minutes; nothing to carry over.
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_key_failed_at')
    op.drop_table('login_failure')


def downgrade():
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failed_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_key_failed_at', ['key', 'failed_at'], unique=False)
    op.drop_table('login_throttle')
