"""offers and their times: offered times, personal links (hashes only), interviewers

Revision ID: cf50f9339c37
Revises: b7e4d2a91c36
Create Date: 2026-12-05 08:08:07.448259

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = 'cf50f9339c37'
down_revision = 'b7e4d2a91c36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.Enum('all', 'any', name='offerneed', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('in-person', 'video', 'phone', name='interviewmode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('guide_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.Enum('nb', 'en', name='language', native_enum=False, create_constraint=True, length=2), nullable=False),
    sa.Column('status', sa.Enum('sent', 'opened', 'booked', 'declined', 'expired', 'cancelled', name='offerstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('expires_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('followed_up_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_offer_duration_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_offer_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guide_version_id'], ['guide_version.id'], name=op.f('fk_offer_guide_version_id_guide_version'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_offer_informant_id_informant')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_offer_interview_id_interview'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_guide_version_id'), ['guide_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_informant_id'), ['informant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_offer_open_expires_at', ['expires_at'], unique=False, sqlite_where=sa.text("status IN ('sent', 'opened')"), postgresql_where=sa.text("status IN ('sent', 'opened')"))
        batch_op.create_index('ix_offer_status_created_at', ['status', 'created_at', 'id'], unique=False)

    op.create_table('offer_interviewer',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_interviewer_offer_id_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_offer_interviewer_user_id_user')),
    sa.PrimaryKeyConstraint('offer_id', 'user_id', name=op.f('pk_offer_interviewer'))
    )
    with op.batch_alter_table('offer_interviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_interviewer_user_id'), ['user_id'], unique=False)

    op.create_table('offer_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_link_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_offer_link_token_hash'))
    )
    with op.batch_alter_table('offer_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_link_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_offer_slot_ends_after_start')),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_slot_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_slot')),
    sa.UniqueConstraint('offer_id', 'starts_at', name=op.f('uq_offer_slot_offer_id_starts_at'))
    )


def downgrade():
    op.drop_table('offer_slot')
    with op.batch_alter_table('offer_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_link_offer_id'))

    op.drop_table('offer_link')
    with op.batch_alter_table('offer_interviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_interviewer_user_id'))

    op.drop_table('offer_interviewer')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_status_created_at')
        batch_op.drop_index('ix_offer_open_expires_at', sqlite_where=sa.text("status IN ('sent', 'opened')"), postgresql_where=sa.text("status IN ('sent', 'opened')"))
        batch_op.drop_index(batch_op.f('ix_offer_interview_id'))
        batch_op.drop_index(batch_op.f('ix_offer_informant_id'))
        batch_op.drop_index(batch_op.f('ix_offer_guide_version_id'))

    op.drop_table('offer')
