"""languages per person: a language for each user; an interview's language becomes an override

Revision ID: 4f7a2c9d8e13
Revises: 4a7d2c9e1f05
Create Date: 2026-12-04 18:30:00

Every user gets the study's default language (FIELDWORK_DEFAULT_LANGUAGE, bokmål unless set).
An interview's language now only overrides its informants' own languages. An interview whose
language is the one each of its informants prefers loses nothing by having none, so it is
cleared; the others keep theirs as an override, shown on the interview's page.
"""
from alembic import op
from flask import current_app, has_app_context
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f7a2c9d8e13'
down_revision = '4a7d2c9e1f05'
branch_labels = None
depends_on = None


def _default_language():
    language = current_app.config.get('DEFAULT_LANGUAGE') if has_app_context() else None
    return language if language in ('nb', 'en') else 'nb'


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'language', sa.Enum('nb', 'en', name='language', native_enum=False,
                                create_constraint=True, length=2),
            server_default=_default_language(), nullable=False))
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=True)
    op.execute(
        "UPDATE interview SET language = NULL WHERE NOT EXISTS ("
        " SELECT 1 FROM interview_informant JOIN informant"
        " ON informant.id = interview_informant.informant_id"
        " WHERE interview_informant.interview_id = interview.id"
        " AND informant.language <> interview.language)")


def downgrade():
    # Back to one language per interview: its first informant's, as the form used to suggest.
    op.execute(
        "UPDATE interview SET language = COALESCE((SELECT informant.language FROM informant"
        " JOIN interview_informant ON informant.id = interview_informant.informant_id"
        " WHERE interview_informant.interview_id = interview.id"
        " ORDER BY informant.code LIMIT 1), 'nb') WHERE language IS NULL")
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_language'), type_='check')
        batch_op.drop_column('language')
