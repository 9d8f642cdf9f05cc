"""Load the workforce's built-in indicators (edugov.workforce.indicators)."""

from django.db import migrations


def load(apps, schema_editor):
    from edugov.workforce.indicators import load_indicators

    load_indicators(apps.get_model("metrics", "Indicator"))


def unload(apps, schema_editor):
    from edugov.workforce.indicators import WORKFORCE_INDICATORS

    apps.get_model("metrics", "Indicator").objects.filter(
        code__in=[row["code"] for row in WORKFORCE_INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0002_conduct_training_titles_points_posting"),
                    ("metrics", "0002_builtin_indicators")]

    operations = [migrations.RunPython(load, unload)]
