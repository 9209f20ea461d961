"""Le nombre de messages non lus par la structure, tenu sur chaque fil (issue 22) : la liste des
fils de l'administration se trie dessus par index au lieu de compter les non-lus de chaque fil à
chaque page. Les déclencheurs qui le tiennent sont installés après la migration
(`messagerie.declencheurs`, `post_migrate`) ; ici, le compte des fils existants.
"""

from django.db import migrations, models

RECOMPTER = (
    "UPDATE messagerie_fil SET non_lus_structure = (SELECT COUNT(*) FROM messagerie_message m "
    "WHERE m.fil_id = messagerie_fil.id AND m.de_la_famille AND m.lu_le IS NULL)"
)


def recompter(apps, schema_editor):
    schema_editor.execute(RECOMPTER)


class Migration(migrations.Migration):
    dependencies = [
        ("messagerie", "0007_lectures_par_compte"),
    ]

    operations = [
        migrations.AddField(
            model_name="fil",
            name="non_lus_structure",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="non lus par la structure"),
        ),
        migrations.AddIndex(
            model_name="fil",
            index=models.Index(
                fields=["-non_lus_structure", "-date_dernier_message", "-id"], name="fil_liste_agent_idx"
            ),
        ),
        migrations.RunPython(recompter, migrations.RunPython.noop),
    ]
