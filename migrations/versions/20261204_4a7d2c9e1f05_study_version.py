"""study-wide figures kept between requests: a version raised by every change they count

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


def downgrade():
    op.drop_table('study_version')
