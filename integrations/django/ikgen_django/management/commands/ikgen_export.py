"""manage.py ikgen_export: write the ikgen project of this site.

Exit status: 0 when the project was written (specs ikgen cannot render are listed on stderr and
left to imagekit); 1 with --strict when anything was left to imagekit (the project is still
written); 2 when no project can be written (unsupported storage or namer, bad setting).
"""

import os

from django.core.management.base import BaseCommand, CommandError

from ... import settings as ikgen_settings
from ...export import ExportError, export_project


class Command(BaseCommand):
    help = ("Write the ikgen project (specs with probes, source lists) from the settings and imagekit's "
            "registries. Specs ikgen cannot render are listed on stderr and left to imagekit.")

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="the project file to write (default: IKGEN_PROJECT, %s)"
                            % "BASE_DIR/ikgen.yaml")
        parser.add_argument("--strict", action="store_true",
                            help="exit 1 when any spec or template tag is left to imagekit")
        parser.add_argument("--no-check", action="store_true",
                            help="do not have ikgen (IKGEN_BINARY) load the specs to leave those it refuses to imagekit")
        parser.add_argument("--no-templates", action="store_true",
                            help="do not look for {% thumbnail 'WxH' %} sizes in the templates")

    def handle(self, *args, **options):
        path = os.path.abspath(options["output"] or ikgen_settings.project_path())
        if not os.path.isdir(os.path.dirname(path)):
            raise CommandError("%s: the directory does not exist; create it or pass another -o" % path, returncode=2)
        try:
            report = export_project(path, scan=not options["no_templates"], check=not options["no_check"])
        except ExportError as error:
            raise CommandError("nothing written: %s" % error, returncode=2)
        for where, reason in report.left_to_imagekit:
            self.stderr.write("ikgen_export: left to imagekit: %s: %s" % (where, reason))
        for note in report.notes:
            self.stderr.write("ikgen_export: note: %s" % note)
        self.stdout.write("wrote %s: %d specs, %d source groups (%s)" % (
            path, len(report.specs), len(report.groups),
            ", ".join("%s: %d sources" % (g[0], g[2]) for g in report.groups) or "none"))
        if report.left_to_imagekit:
            self.stdout.write("%d left to imagekit (listed on stderr)" % len(report.left_to_imagekit))
            if options["strict"]:
                raise CommandError("--strict: %d specs or tags are left to imagekit" % len(report.left_to_imagekit),
                                   returncode=1)
