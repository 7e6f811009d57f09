"""question coverage: how far each question of its guide version an interview covered

Revision ID: 556163367465
Revises: 4f7a2c9d8e13
Create Date: 2026-12-05 08:38:53.409228
"""
from alembic import op
import sqlalchemy as sa

import fieldwork.database


# revision identifiers, used by Alembic.
revision = '556163367465'
down_revision = '4f7a2c9d8e13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_coverage',
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('theme_key', sa.String(length=40), nullable=False),
    sa.Column('coverage', sa.Enum('all', 'some', 'not-reached', name='coverage', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('recorded_at', fieldwork.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_question_coverage_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_question_coverage_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('interview_id', 'question_key', name=op.f('pk_question_coverage'))
    )
    with op.batch_alter_table('question_coverage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_coverage_question_key'), ['question_key'], unique=False)



def downgrade():
    with op.batch_alter_table('question_coverage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_coverage_question_key'))

    op.drop_table('question_coverage')
