"""The dashboard: KPI cards, machine metrics with anomaly markers, demand with forecast bands,
the utilisation heatmap and the index timeline, live; CSV/PNG export and the handover PDF."""
