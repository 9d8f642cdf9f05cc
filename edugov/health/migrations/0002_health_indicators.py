"""Load the health app's built-in indicators (edugov.health.indicators)."""

from django.db import migrations


def load(apps, schema_editor):
    from edugov.health.indicators import load_indicators

    load_indicators(apps.get_model("metrics", "Indicator"))


def unload(apps, schema_editor):
    from edugov.health.indicators import HEALTH_INDICATORS

    apps.get_model("metrics", "Indicator").objects.filter(
        builtin=True, code__in=[row["code"] for row in HEALTH_INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("health", "0001_health_records"), ("metrics", "0002_builtin_indicators")]

    operations = [migrations.RunPython(load, unload)]
