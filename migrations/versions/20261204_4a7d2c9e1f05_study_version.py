"""study-wide figures kept between requests: a version raised by every change they count;
each informant's consent standing stored for the consent overview;
an index that gives the pipeline board each stage in the order it was entered

Revision ID: 4a7d2c9e1f05
Revises: c4d1e8a2f7b3
Create Date: 2026-12-04 18:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '4a7d2c9e1f05'
down_revision = 'c4d1e8a2f7b3'
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
    with op.batch_alter_table('informant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_open_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('at_risk_at', fieldwork.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('risk_rank', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.create_index('ix_informant_consent_order', ['risk_rank', 'at_risk_at', 'code'],
                              unique=False)
    _fill_consent_standing()
    pending = sa.text("recording_location != '' AND recording_deleted_at IS NULL")
    columns = ['transcript_status', 'status', 'transcript_updated_at', 'starts_at', 'id']
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index('ix_interview_stage', columns, unique=False)
        batch_op.create_index('ix_interview_recording_pending', columns, unique=False,
                              sqlite_where=pending, postgresql_where=pending)


def _fill_consent_standing():
    """Each informant's earliest open interview, and the same when participation consent does
    not hold (as fieldwork.consent.standing keeps them from now on)."""
    op.execute("""
        UPDATE informant SET next_open_at = (
            SELECT min(interview.starts_at) FROM interview
            JOIN interview_informant ON interview_informant.interview_id = interview.id
            WHERE interview_informant.informant_id = informant.id
              AND interview.status IN ('planned', 'invited', 'confirmed'))""")
    op.execute("""
        UPDATE informant SET at_risk_at = next_open_at, risk_rank = 0
        WHERE next_open_at IS NOT NULL AND informant.id NOT IN (
            SELECT consent_record.informant_id FROM consent_record
            JOIN consent_record_item ON consent_record_item.record_id = consent_record.id
            JOIN consent_form_version ON consent_form_version.id = consent_record.form_version_id
            WHERE consent_record.status IN ('given', 'partly-given')
              AND consent_form_version.status IN ('active', 'retired')
              AND consent_record_item.key = 'participation' AND consent_record_item.is_given)""")


def downgrade():
    with op.batch_alter_table('informant', schema=None) as batch_op:
        batch_op.drop_index('ix_informant_consent_order')
        batch_op.drop_column('risk_rank')
        batch_op.drop_column('at_risk_at')
        batch_op.drop_column('next_open_at')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('ix_interview_recording_pending')
        batch_op.drop_index('ix_interview_stage')
    op.drop_table('study_version')
