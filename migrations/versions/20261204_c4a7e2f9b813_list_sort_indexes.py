"""informants: one index per list sort, ties broken by id (replaces the single-column ones);
interviews: one index for the list, in time order with ends_at

Revision ID: c4a7e2f9b813
Revises: 9b3e6f1c2a57
Create Date: 2026-12-04 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a7e2f9b813'
down_revision = '9b3e6f1c2a57'
branch_labels = None
depends_on = None

COLUMNS = ('name', 'organisation_id', 'role_id', 'status', 'created_at')


def upgrade():
    with op.batch_alter_table('informant', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f'ix_informant_{column}')
            batch_op.create_index(f'ix_informant_{column}_id', [column, 'id'], unique=False)
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index('ix_interview_starts_at_id_ends_at', ['starts_at', 'id', 'ends_at'],
                              unique=False)
    # The planner needs to know organisations and roles are few to walk these indexes.
    for table in ('informant', 'organisation', 'role', 'interview'):
        op.execute(f'ANALYZE {table}')


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_starts_at_id_ends_at')
    with op.batch_alter_table('informant', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f'ix_informant_{column}_id')
            batch_op.create_index(f'ix_informant_{column}', [column], unique=False)
