"""interviews: sessions with informants and interviewers, calendar feeds

Revision ID: 503dd58bc315
Revises: 666fa4e26b2b
Create Date: 2026-11-28 02:20:41.389019

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '503dd58bc315'
down_revision = '666fa4e26b2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_fetched_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feed_user_id'))
    )
    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('starts_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.Enum('in-person', 'video', 'phone', name='interviewmode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('guide_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.Enum('nb', 'en', name='language', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('planned', 'invited', 'confirmed', 'conducted', 'cancelled', 'no-show', name='interviewstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_interview_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_interview_sequence_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_interview_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guide_version_id'], ['guide_version.id'], name=op.f('fk_interview_guide_version_id_guide_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview')),
    sa.UniqueConstraint('uid', name=op.f('uq_interview_uid'))
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_guide_version_id'), ['guide_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ix_interview_status_starts_at', ['status', 'starts_at'], unique=False)

    op.create_table('interview_informant',
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_interview_informant_informant_id_informant')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_informant_interview_id_interview'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interview_id', 'informant_id', name=op.f('pk_interview_informant'))
    )
    with op.batch_alter_table('interview_informant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_informant_informant_id'), ['informant_id'], unique=False)

    op.create_table('interview_interviewer',
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_interviewer_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_interview_interviewer_user_id_user')),
    sa.PrimaryKeyConstraint('interview_id', 'user_id', name=op.f('pk_interview_interviewer'))
    )
    with op.batch_alter_table('interview_interviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_interviewer_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('interview_interviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_interviewer_user_id'))

    op.drop_table('interview_interviewer')
    with op.batch_alter_table('interview_informant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_informant_informant_id'))

    op.drop_table('interview_informant')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_interview_starts_at'))
        batch_op.drop_index(batch_op.f('ix_interview_guide_version_id'))
        batch_op.drop_index(batch_op.f('ix_interview_ends_at'))

    op.drop_table('interview')
    op.drop_table('calendar_feed')
