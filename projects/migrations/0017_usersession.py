"""Sessions with a column for their user (projects.sessions): the sessions of django_session move over, each with the
user its data signs in, so nobody is signed out by the change; moving back puts them back."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 5000


def _user_id(data: dict) -> int | None:
    value = data.get("_auth_user_id")  # django.contrib.auth.SESSION_KEY
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _move(source: str, target: str, with_user: bool):
    def move(apps, schema_editor):
        from django.contrib.sessions.backends.db import SessionStore

        # Signed with SECRET_KEY and a salt named after the class, "SessionStore" (the old store's name and the new
        # one's); data it cannot read gives {}: such a session moves over signed in to nobody.
        decoder = SessionStore()
        with schema_editor.connection.cursor() as read, schema_editor.connection.cursor() as write:
            read.execute(f"SELECT session_key, session_data, expire_date FROM {source}")
            while rows := read.fetchmany(BATCH):
                if with_user:
                    values = [(key, data, expires, _user_id(decoder.decode(data))) for key, data, expires in rows]
                    write.executemany(f"INSERT INTO {target} (session_key, session_data, expire_date, user_id) "
                                      "VALUES (%s, %s, %s, %s) ON CONFLICT (session_key) DO NOTHING", values)
                else:
                    write.executemany(f"INSERT INTO {target} (session_key, session_data, expire_date) "
                                      "VALUES (%s, %s, %s) ON CONFLICT (session_key) DO NOTHING", rows)
            read.execute(f"DELETE FROM {source}")
    return move


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0016_links_and_reports_references"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                ("session_key", models.CharField(max_length=40, primary_key=True, serialize=False,
                                                 verbose_name="session key")),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user", models.ForeignKey(blank=True, db_constraint=False, null=True,
                                           on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={"verbose_name": "session", "verbose_name_plural": "sessions", "db_table": "projects_session",
                     "abstract": False},
        ),
        migrations.RunPython(_move("django_session", "projects_session", with_user=True),
                             _move("projects_session", "django_session", with_user=False)),
    ]
