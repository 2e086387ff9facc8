# One report order may ask for several formats; the files move to Rapportfil.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

FORMATS = [("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("json", "JSON")]


def forwards(apps, schema_editor):
    Rapportjobb = apps.get_model("rapporter", "Rapportjobb")
    Rapportfil = apps.get_model("rapporter", "Rapportfil")
    for jobb in Rapportjobb.objects.all().iterator():
        jobb.formats = [jobb.format]
        jobb.save(update_fields=["formats"])
        if jobb.innehall is not None:
            Rapportfil.objects.create(jobb=jobb, format=jobb.format, innehall=jobb.innehall)


def backwards(apps, schema_editor):
    Rapportjobb = apps.get_model("rapporter", "Rapportjobb")
    for jobb in Rapportjobb.objects.all().iterator():
        jobb.format = jobb.formats[0]
        fil = jobb.filer.filter(format=jobb.format).first()
        jobb.innehall = fil.innehall if fil else None
        jobb.save(update_fields=["format", "innehall"])


class Migration(migrations.Migration):
    dependencies = [
        ("rapporter", "0002_job_heartbeat"),
    ]

    operations = [
        migrations.CreateModel(
            name="Rapportfil",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("format", models.CharField(choices=FORMATS, max_length=5, verbose_name="format")),
                ("innehall", models.BinaryField(editable=False, verbose_name="fil")),
                (
                    "jobb",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="filer",
                        to="rapporter.rapportjobb",
                    ),
                ),
            ],
            options={
                "verbose_name": "rapportfil",
                "verbose_name_plural": "rapportfiler",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("jobb", "format"), name="rapportfil_en_per_format"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="rapportjobb",
            name="formats",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=FORMATS, max_length=5),
                default=list,
                size=3,
                verbose_name="format",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="rapportjobb", name="format"),
        migrations.RemoveField(model_name="rapportjobb", name="innehall"),
        migrations.AddConstraint(
            model_name="rapportjobb",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("formats__len__gte", 1), ("formats__contained_by", ["pdf", "xlsx", "json"])
                ),
                name="rapportjobb_formats",
            ),
        ),
    ]
