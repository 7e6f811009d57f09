"""documents (with themes and links to interviews and informants) and sampling targets

Revision ID: 5d1c7a9e2b40
Revises: 03a68008b4b2
Create Date: 2026-12-01 19:53:27

"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '5d1c7a9e2b40'
down_revision = '03a68008b4b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('key', name=op.f('uq_theme_key'))
    )
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('document_type', sa.Enum('white-paper', 'strategy', 'plan', 'board-minutes', 'procurement', 'guidance', 'report', name='documenttype', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('governance_level', sa.Enum('national', 'regional', 'local', 'vendor', 'research', name='governancelevel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('identified', 'obtained', 'analysed', name='documentstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_document_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_document_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_document_type'), ['document_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_governance_level'), ['governance_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_document_status_issued_on', ['status', 'issued_on'], unique=False)

    op.create_table('sampling_target',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('updated_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_sampling_target_target_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_sampling_target_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_sampling_target_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'role_id', name=op.f('pk_sampling_target'))
    )
    with op.batch_alter_table('sampling_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_target_role_id'), ['role_id'], unique=False)

    op.create_table('document_informant',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('informant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_informant_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['informant_id'], ['informant.id'], name=op.f('fk_document_informant_informant_id_informant')),
    sa.PrimaryKeyConstraint('document_id', 'informant_id', name=op.f('pk_document_informant'))
    )
    with op.batch_alter_table('document_informant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_informant_informant_id'), ['informant_id'], unique=False)

    op.create_table('document_theme',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_theme_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_document_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'theme_id', name=op.f('pk_document_theme'))
    )
    with op.batch_alter_table('document_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('document_interview',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_interview_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_document_interview_interview_id_interview'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'interview_id', name=op.f('pk_document_interview'))
    )
    with op.batch_alter_table('document_interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_interview_interview_id'), ['interview_id'], unique=False)



def downgrade():
    with op.batch_alter_table('document_interview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_interview_interview_id'))

    op.drop_table('document_interview')
    with op.batch_alter_table('document_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_theme_theme_id'))

    op.drop_table('document_theme')
    with op.batch_alter_table('document_informant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_informant_informant_id'))

    op.drop_table('document_informant')
    with op.batch_alter_table('sampling_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sampling_target_role_id'))

    op.drop_table('sampling_target')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_status_issued_on')
        batch_op.drop_index(batch_op.f('ix_document_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_document_issued_on'))
        batch_op.drop_index(batch_op.f('ix_document_governance_level'))
        batch_op.drop_index(batch_op.f('ix_document_document_type'))

    op.drop_table('document')
    op.drop_table('theme')
