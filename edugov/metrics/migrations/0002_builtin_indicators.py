"""Load the built-in indicator catalog (edugov.metrics.builtin)."""

from django.db import migrations


def load(apps, schema_editor):
    from edugov.metrics.builtin import load_builtin

    load_builtin(apps.get_model("metrics", "Indicator"))


def unload(apps, schema_editor):
    apps.get_model("metrics", "Indicator").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_data_center")]

    operations = [migrations.RunPython(load, unload)]
