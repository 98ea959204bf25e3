"""The dashboard and the shift handover report: KPIs, one snapshot read per refresh, CSV export.

``kpis`` holds the pure computations (OEE, output versus plan, on-time rate, active/idle,
attendance), ``snapshot`` reads one dashboard snapshot for a time window, ``handover`` reads the
content of a shift handover report as plain data; the desktop draws and prints them.
"""
