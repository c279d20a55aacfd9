"""The roadmap execution report as of a date (CONTRACT.md, /reports/roadmap.<html,pdf,csv,xlsx>).

`data.roadmap_report()` gathers everything from the history (projects.asof); `formats`
turns it into HTML, PDF, CSV or XLSX; `svg` draws the region map and the charts.
"""
