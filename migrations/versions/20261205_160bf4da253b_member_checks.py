"""member checks: quotes from interviews, the requests that ask informants to approve them, and
their personal links

Revision ID: 160bf4da253b
Revises: cf50f9339c37
Create Date: 2026-12-05 08:40:23

New tables only; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '160bf4da253b'
down_revision = 'cf50f9339c37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_check_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.Enum('nb', 'en', name='language', native_enum=False, create_constraint=True, length=2), nullable=False),
    sa.Column('status', sa.Enum('open', 'answered', 'expired', 'cancelled', name='requeststatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('deadline_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remind_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('deadline_at > created_at', name=op.f('ck_member_check_request_deadline_after_creation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_member_check_request_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_member_check_request_informant_id_informant')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_member_check_request_interview_id_interview'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_check_request'))
    )
    with op.batch_alter_table('member_check_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_check_request_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_check_request_informant_id'), ['informant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_check_request_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_member_check_request_open_deadline', ['deadline_at'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_member_check_request_reminder_due', ['remind_at'], unique=False, sqlite_where=sa.text("status = 'open' AND reminded_at IS NULL"), postgresql_where=sa.text("status = 'open' AND reminded_at IS NULL"))

    op.create_table('member_check_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['member_check_request.id'], name=op.f('fk_member_check_link_request_id_member_check_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_check_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_member_check_link_token_hash'))
    )
    with op.batch_alter_table('member_check_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_check_link_request_id'), ['request_id'], unique=False)

    op.create_table('quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'requested', 'approved', 'edited', 'refused', 'no-answer', 'cancelled', name='quotestate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('edited_text', sa.Text(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('added_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'edited') = (edited_text IS NOT NULL)", name=op.f('ck_quote_edited_text_when_edited')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_quote_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_quote_informant_id_informant')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_quote_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['member_check_request.id'], name=op.f('fk_quote_request_id_member_check_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote'))
    )
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_added_by_id'), ['added_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_informant_id'), ['informant_id'], unique=False)
        batch_op.create_index('ix_quote_interview_id_id', ['interview_id', 'id'], unique=False)
        batch_op.create_index('ix_quote_request_id_state', ['request_id', 'state'], unique=False)



def downgrade():
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_index('ix_quote_request_id_state')
        batch_op.drop_index('ix_quote_interview_id_id')
        batch_op.drop_index(batch_op.f('ix_quote_informant_id'))
        batch_op.drop_index(batch_op.f('ix_quote_added_by_id'))

    op.drop_table('quote')
    with op.batch_alter_table('member_check_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_check_link_request_id'))

    op.drop_table('member_check_link')
    with op.batch_alter_table('member_check_request', schema=None) as batch_op:
        batch_op.drop_index('ix_member_check_request_reminder_due', sqlite_where=sa.text("status = 'open' AND reminded_at IS NULL"), postgresql_where=sa.text("status = 'open' AND reminded_at IS NULL"))
        batch_op.drop_index('ix_member_check_request_open_deadline', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_member_check_request_interview_id'))
        batch_op.drop_index(batch_op.f('ix_member_check_request_informant_id'))
        batch_op.drop_index(batch_op.f('ix_member_check_request_created_by_id'))

    op.drop_table('member_check_request')
