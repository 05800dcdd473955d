"""The first synonyms of the public search: words citizens and agencies use for the same
thing. Edited afterwards in the admin (Search synonyms), each edit audited."""

from django.db import migrations

SEED = [
    ("ขยะ", "มูลฝอย, ขยะมูลฝอย, garbage, waste"),
    ("น้ำท่วม", "อุทกภัย, น้ำท่วมขัง, flood, flooding"),
    ("ฝุ่น", "ฝุ่นละออง, pm2.5, dust"),
    ("กทม", "กรุงเทพมหานคร, กรุงเทพฯ, bma, bangkok"),
    ("ทางเท้า", "ฟุตบาท, บาทวิถี, sidewalk, footpath"),
    ("ไฟไหม้", "อัคคีภัย, เพลิงไหม้, fire"),
    ("สวน", "สวนสาธารณะ, park"),
    ("ผู้สูงอายุ", "คนชรา, elderly"),
    ("คนพิการ", "ผู้พิการ, disabled"),
    ("ท่อระบายน้ำ", "ท่อ, drain, drainage"),
    ("โรงเรียน", "สถานศึกษา, school"),
    ("รถติด", "จราจร, traffic"),
    ("สยป", "สำนักยุทธศาสตร์และประเมินผล"),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("publicdata", "Synonym")
    for term, equivalents in SEED:
        Synonym.objects.get_or_create(term=term, defaults={"equivalents": equivalents})


def unseed(apps, schema_editor):
    Synonym = apps.get_model("publicdata", "Synonym")
    for term, equivalents in SEED:
        Synonym.objects.filter(term=term, equivalents=equivalents).delete()


class Migration(migrations.Migration):
    dependencies = [("publicdata", "0002_search")]

    operations = [migrations.RunPython(seed, unseed)]
