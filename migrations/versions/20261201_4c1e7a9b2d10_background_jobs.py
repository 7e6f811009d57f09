"""background jobs: scheduler lock, job runs, interview reminders, staff notices; the audit
triggers accept a redaction made by the retention erasure


Revision ID: 4c1e7a9b2d10
Revises: 5d1c7a9e2b40
Create Date: 2026-12-01 19:54:17.286863

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# The audit log stays append-only, except inside the retention erasure's transaction, which
# holds a row in audit_redaction (deleted again before it commits) while it redacts snapshots.
POSTGRES_AUDIT_GUARD = """
CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_redaction) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_AUDIT_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_redaction) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
SQLITE_UPDATE_GUARD_BEFORE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


# revision identifiers, used by Alembic.
revision = '4c1e7a9b2d10'
down_revision = '5d1c7a9e2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_redaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_redaction'))
    )
    op.create_table('scheduler_job_run',
    sa.Column('job_id', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('started_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_ok', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_scheduler_job_run'))
    )
    op.create_table('scheduler_lock',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('acquired_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lock'))
    )
    op.create_table('interview_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('sent', 'expired', 'skipped', name='reminderstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_reminder_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_interview_reminder_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_reminder')),
    sa.UniqueConstraint('interview_id', 'sequence', 'recipient', name=op.f('uq_interview_reminder_interview_id_sequence_recipient'))
    )
    with op.batch_alter_table('interview_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_reminder_outbox_message_id'), ['outbox_message_id'], unique=False)

    op.create_table('staff_notice',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_staff_notice_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_notice_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'period', 'user_id', name=op.f('pk_staff_notice'))
    )
    with op.batch_alter_table('staff_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notice_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_notice_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_AUDIT_GUARD)
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(SQLITE_UPDATE_GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_AUDIT_GUARD_BEFORE)
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(SQLITE_UPDATE_GUARD_BEFORE)
    with op.batch_alter_table('staff_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_notice_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_notice_outbox_message_id'))

    op.drop_table('staff_notice')
    with op.batch_alter_table('interview_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_reminder_outbox_message_id'))

    op.drop_table('interview_reminder')
    op.drop_table('scheduler_lock')
    op.drop_table('scheduler_job_run')
    op.drop_table('audit_redaction')
