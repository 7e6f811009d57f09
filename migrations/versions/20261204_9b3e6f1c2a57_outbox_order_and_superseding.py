"""outbox: messages in order per interview and recipient, superseded status, claim token

Revision ID: 9b3e6f1c2a57
Revises: 8e2f4b6c1a37
Create Date: 2026-12-04 15:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b3e6f1c2a57'
down_revision = '8e2f4b6c1a37'
branch_labels = None
depends_on = None

OLD = ('pending', 'sending', 'sent', 'failed', 'cancelled')
NEW = OLD + ('superseded',)


def _status(values):
    return sa.Enum(*values, name='outboxstatus', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.drop_constraint(op.f('ck_outbox_message_outboxstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_message_outboxstatus'),
                                         sa.column('status').in_(NEW))
        batch_op.drop_index(batch_op.f('ix_outbox_message_interview_id'))
        batch_op.create_index('ix_outbox_message_order',
                              ['interview_id', 'recipient_email', 'status'], unique=False)


def downgrade():
    op.execute("UPDATE outbox_message SET status = 'cancelled' WHERE status = 'superseded'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_order')
        batch_op.create_index(batch_op.f('ix_outbox_message_interview_id'), ['interview_id'],
                              unique=False)
        batch_op.drop_constraint(op.f('ck_outbox_message_outboxstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_message_outboxstatus'),
                                         sa.column('status').in_(OLD))
        batch_op.drop_column('claim_token')
