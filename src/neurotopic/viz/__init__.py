"""Visualisation and export: showing a fitted model to people and to other tools.

Altair charts of topics and documents (:mod:`~neurotopic.viz.plot`), the self-contained
HTML report (:mod:`~neurotopic.viz.report`, built from ``_report_template.html``), export
to pyLDAvis and other formats (:mod:`~neurotopic.viz.export`), and the topic data they
share (:mod:`~neurotopic.viz._topic_data`).
"""
