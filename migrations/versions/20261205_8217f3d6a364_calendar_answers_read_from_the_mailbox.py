"""calendar answers read from the mailbox: attendees' answers, proposed times, messages read

Revision ID: 8217f3d6a364
Revises: fae04a556ce1
Create Date: 2026-12-05 08:05:58.784055

mailbox_message holds the Message-ID of every answer read, unique, so that no answer is
recorded twice (a reader killed mid-run, or two readers at once).
"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '8217f3d6a364'
down_revision = 'fae04a556ce1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendee_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('accepted', 'tentative', 'declined', name='answerstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answered_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(informant_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_attendee_answer_one_attendee')),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_attendee_answer_informant_id_informant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_attendee_answer_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attendee_answer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendee_answer'))
    )
    with op.batch_alter_table('attendee_answer', schema=None) as batch_op:
        batch_op.create_index('ix_attendee_answer_status', ['status', 'interview_id'], unique=False)
        batch_op.create_index('uq_attendee_answer_informant', ['interview_id', 'informant_id'], unique=True, sqlite_where=sa.text('informant_id IS NOT NULL'), postgresql_where=sa.text('informant_id IS NOT NULL'))
        batch_op.create_index('uq_attendee_answer_user', ['interview_id', 'user_id'], unique=True, sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))

    op.create_table('counter_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('starts_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('received_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', name='proposalstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decided_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(informant_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_counter_proposal_one_proposer')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_counter_proposal_ends_after_start')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_counter_proposal_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_counter_proposal_informant_id_informant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_counter_proposal_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_counter_proposal_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_proposal'))
    )
    with op.batch_alter_table('counter_proposal', schema=None) as batch_op:
        batch_op.create_index('ix_counter_proposal_interview_status', ['interview_id', 'status'], unique=False)

    op.create_table('mailbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.Enum('recorded', 'proposed', 'stale', 'unmatched', 'malformed', name='messageoutcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.Column('read_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('move_claimed_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_mailbox_message_interview_id_interview'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mailbox_message_message_id'))
    )
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailbox_message_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_mailbox_message_outcome', ['outcome'], unique=False)



def downgrade():
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mailbox_message_outcome')
        batch_op.drop_index(batch_op.f('ix_mailbox_message_interview_id'))

    op.drop_table('mailbox_message')
    with op.batch_alter_table('counter_proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_proposal_interview_status')

    op.drop_table('counter_proposal')
    with op.batch_alter_table('attendee_answer', schema=None) as batch_op:
        batch_op.drop_index('uq_attendee_answer_user', sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))
        batch_op.drop_index('uq_attendee_answer_informant', sqlite_where=sa.text('informant_id IS NOT NULL'), postgresql_where=sa.text('informant_id IS NOT NULL'))
        batch_op.drop_index('ix_attendee_answer_status')

    op.drop_table('attendee_answer')
