"""Drop registry_enrolment's three redundant indexes.

* ``student_id``: the unique (student, academic_year) constraint leads with it;
* ``academic_year_id``: ``enrolment_year_inst_grade`` (academic_year, institution, grade)
  leads with it;
* ``enrolment_class``: a second index on school_class beside the foreign key's own.

Every query they served is served as well by the index that covers them; each insert
maintains three indexes fewer (the bulk student import writes 300,000 enrolments).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0001_registry_schema'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='enrolment',
            name='enrolment_class',
        ),
        migrations.AlterField(
            model_name='enrolment',
            name='academic_year',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='registry.academicyear'),
        ),
        migrations.AlterField(
            model_name='enrolment',
            name='student',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='enrolments', to='registry.student'),
        ),
    ]
