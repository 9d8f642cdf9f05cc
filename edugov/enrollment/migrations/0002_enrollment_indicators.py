"""Load admissions' built-in indicators (edugov.enrollment.indicators)."""

from django.db import migrations


def load(apps, schema_editor):
    from edugov.enrollment.indicators import load_indicators

    load_indicators(apps.get_model("metrics", "Indicator"))


def unload(apps, schema_editor):
    from edugov.enrollment.indicators import ENROLLMENT_INDICATORS

    apps.get_model("metrics", "Indicator").objects.filter(
        code__in=[row["code"] for row in ENROLLMENT_INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_admissions"), ("metrics", "0002_builtin_indicators")]

    operations = [migrations.RunPython(load, unload)]
