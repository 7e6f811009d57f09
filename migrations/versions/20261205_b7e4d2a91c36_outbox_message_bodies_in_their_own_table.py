"""outbox: each message's bytes in a table of their own (outbox_message_body), written once

Revision ID: b7e4d2a91c36
Revises: b7e3d1a9c5f2
Create Date: 2026-12-05 08:30:00

Delivery changes a message's row two or three times (pending, sending, sent); SQLite writes a
row whole on every change, so with the email in it each change wrote some 8 KB again. The
bytes move, unchanged, to outbox_message_body, keyed by the message's id; the Message-ID and
everything else stay where they are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4d2a91c36'
down_revision = 'b7e3d1a9c5f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_message_body',
        sa.Column('outbox_message_id', sa.Integer(), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'],
                                name=op.f('fk_outbox_message_body_outbox_message_id_outbox_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('outbox_message_id', name=op.f('pk_outbox_message_body')),
    )
    op.execute('INSERT INTO outbox_message_body (outbox_message_id, raw) '
               'SELECT id, raw FROM outbox_message')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch operation: SQLite would rebuild
    # outbox_message, and dropping the old table deletes its rows first, which with foreign keys
    # on fires their ON DELETE actions: the bodies just copied would be deleted with it.
    op.drop_column('outbox_message', 'raw')


def downgrade():
    op.add_column('outbox_message', sa.Column('raw', sa.LargeBinary(), nullable=False,
                                              server_default=sa.text("''")))
    op.execute('UPDATE outbox_message SET raw = (SELECT raw FROM outbox_message_body '
               'WHERE outbox_message_body.outbox_message_id = outbox_message.id) '
               'WHERE id IN (SELECT outbox_message_id FROM outbox_message_body)')
    if op.get_bind().dialect.name != 'sqlite':
        # On SQLite the default stays: removing it means rebuilding the table (see upgrade),
        # which would empty the links that reminders and digests keep to their messages.
        op.alter_column('outbox_message', 'raw', server_default=None)
    op.drop_table('outbox_message_body')
