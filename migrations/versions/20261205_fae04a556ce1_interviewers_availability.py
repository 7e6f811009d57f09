"""interviewers' availability: working hours, dates away, their own calendar and its busy times

Revision ID: fae04a556ce1
Revises: 556163367465
Create Date: 2026-12-05 08:07:37.894465

New tables only; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = 'fae04a556ce1'
down_revision = '556163367465'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('busy_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ical', 'caldav', name='calendarkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sealed_url', sa.Text(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('sealed_password', sa.Text(), nullable=False),
    sa.Column('address_hint', sa.String(length=300), nullable=False),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('checked_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_busy_calendar_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_calendar')),
    sa.UniqueConstraint('user_id', name=op.f('uq_busy_calendar_user_id'))
    )
    op.create_table('busy_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_busy_period_ends_after_start')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_busy_period_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_period'))
    )
    with op.batch_alter_table('busy_period', schema=None) as batch_op:
        batch_op.create_index('ix_busy_period_user_id_starts_at', ['user_id', 'starts_at', 'ends_at'], unique=False)

    op.create_table('date_away',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_date_away_last_not_before_first')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_date_away_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_date_away'))
    )
    with op.batch_alter_table('date_away', schema=None) as batch_op:
        batch_op.create_index('ix_date_away_user_id_last_day', ['user_id', 'last_day'], unique=False)

    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.CheckConstraint('ends > starts', name=op.f('ck_working_hours_ends_after_start')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_hours_weekday_in_week')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_working_hours_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_hours_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_hours_user_id'))

    op.drop_table('working_hours')
    with op.batch_alter_table('date_away', schema=None) as batch_op:
        batch_op.drop_index('ix_date_away_user_id_last_day')

    op.drop_table('date_away')
    with op.batch_alter_table('busy_period', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_period_user_id_starts_at')

    op.drop_table('busy_period')
    op.drop_table('busy_calendar')
