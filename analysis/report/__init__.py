"""The weekly defect report: data, charts, HTML, CSV."""
