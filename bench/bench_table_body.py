"""CPU time of the customer list's table, the template's row loop against
`{% table_body %}` (core/tables_render.py), side by side in one process (issue #18).

The same table (the RM's first page of customers, 25 rows × 11 columns, names masked as
for a manager) is rendered with the row loop templates/tables/table.html had and with
the one it has, alternately, --rounds times; the table gives each side's median CPU ms
(time.process_time) and their ratio, so the neighbours on the cores weigh on both alike.
The two HTMLs must be identical (it stops if not).

    RMPERF_HOME=/work/loadsmallhome DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_loadsmall \\
        .venv/bin/python bench/bench_table_body.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmperf.config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import RequestFactory  # noqa: E402

LOOP = """{% load django_tables2 %}<tbody>
    {% for row in table.paginated_rows %}
      <tr {{ row.attrs.as_html }}>
      {% for column, cell in row.items %}
        <td {{ column.attrs.td.as_html }} data-label="{{ column.header }}"><span class="cell">{{ cell }}</span></td>
      {% endfor %}
      </tr>
    {% empty %}
      <tr><td colspan="{{ table.columns|length }}">{{ table.empty_text }}</td></tr>
    {% endfor %}
    </tbody>"""
TAG = """{% load tables_body %}<tbody>
    {% table_body table %}
    </tbody>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    from rmperf.segments.selectors import customer_book, segment_run_current
    from rmperf.segments.tables import CustomerBookTable

    user = get_user_model().objects.get(username="rm")
    request = RequestFactory().get("/customers/")
    request.user = user
    rows = list(customer_book(actor=user, filters={}, run=segment_run_current()).qs[:25])
    templates = {"loop": Template(LOOP), "tag": Template(TAG)}
    cpu: dict[str, list[float]] = {"loop": [], "tag": []}
    html: dict[str, str] = {}
    for _ in range(args.rounds):
        for name, template in templates.items():
            table = CustomerBookTable(rows, mask_names=True)
            table.paginate(per_page=25)
            c0 = time.process_time()
            html[name] = template.render(Context({"table": table, "request": request}))
            cpu[name].append((time.process_time() - c0) * 1000)
    if html["loop"] != html["tag"]:
        raise SystemExit("the two bodies differ")
    loop, tag = statistics.median(cpu["loop"]), statistics.median(cpu["tag"])
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| body | CPU ms median | CPU ms min |\n|---|---:|---:|")
    print(f"| template row loop | {loop:.2f} | {min(cpu['loop']):.2f} |")
    print(f"| table_body | {tag:.2f} | {min(cpu['tag']):.2f} |")
    print(f"ratio table_body / loop: {tag / loop:.2f} ({len(html['tag'])} bytes, identical)")


if __name__ == "__main__":
    main()
