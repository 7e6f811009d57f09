"""after the interview: who was present, notes and memo, the recording, the transcript's stages

Revision ID: 651eb7f5825d
Revises: 4c1e7a9b2d10
Create Date: 2026-12-01 19:53:41.364660

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '651eb7f5825d'
down_revision = '4c1e7a9b2d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interview_present_interviewer',
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_present_interviewer_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_interview_present_interviewer_user_id_user')),
    sa.PrimaryKeyConstraint('interview_id', 'user_id', name=op.f('pk_interview_present_interviewer'))
    )
    with op.batch_alter_table('interview_present_interviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_present_interviewer_user_id'), ['user_id'], unique=False)

    op.create_table('transcript_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('none', 'in-progress', 'transcribed', 'checked', 'pseudonymised', 'coded', name='transcriptstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('changed_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_transcript_status_change_changed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_transcript_status_change_interview_id_interview'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_status_change'))
    )
    with op.batch_alter_table('transcript_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_status_change_interview_id'), ['interview_id'], unique=False)

    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conducted_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('actual_started_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('actual_duration_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('field_notes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reflexive_memo', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('recording_location', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('recording_registered_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recording_registered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recording_delete_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recording_deleted_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transcript_status', sa.Enum('none', 'in-progress', 'transcribed', 'checked', 'pseudonymised', 'coded', name='transcriptstatus', native_enum=False, create_constraint=True, length=20), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('transcript_updated_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transcript_updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_interview_recording_delete_by'), ['recording_delete_by'], unique=False)
        batch_op.create_index('ix_interview_transcript_status_updated_at', ['transcript_status', 'transcript_updated_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_interview_transcript_updated_by_id_user'), 'user', ['transcript_updated_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_interview_recording_registered_by_id_user'), 'user', ['recording_registered_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            op.f('ck_interview_actual_duration_positive'),
            'actual_duration_minutes IS NULL OR actual_duration_minutes > 0')


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_interview_actual_duration_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_interview_transcriptstatus'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_interview_recording_registered_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_interview_transcript_updated_by_id_user'), type_='foreignkey')
        batch_op.drop_index('ix_interview_transcript_status_updated_at')
        batch_op.drop_index(batch_op.f('ix_interview_recording_delete_by'))
        batch_op.drop_column('transcript_updated_by_id')
        batch_op.drop_column('transcript_updated_at')
        batch_op.drop_column('transcript_status')
        batch_op.drop_column('recording_deleted_at')
        batch_op.drop_column('recording_delete_by')
        batch_op.drop_column('recording_registered_by_id')
        batch_op.drop_column('recording_registered_at')
        batch_op.drop_column('recording_location')
        batch_op.drop_column('reflexive_memo')
        batch_op.drop_column('field_notes')
        batch_op.drop_column('actual_duration_minutes')
        batch_op.drop_column('actual_started_at')
        batch_op.drop_column('conducted_at')

    with op.batch_alter_table('transcript_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_status_change_interview_id'))

    op.drop_table('transcript_status_change')
    with op.batch_alter_table('interview_present_interviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_present_interviewer_user_id'))

    op.drop_table('interview_present_interviewer')
