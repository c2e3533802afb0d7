"""The demo shop that ``manage.py seed_demo`` creates.

``specs`` and ``stores/`` hold the data (people, categories, five stores and their
products), ``canvas``, ``shapes`` and ``art`` draw the pictures with Pillow, and
``seed`` writes it all through ``catalog.services``.
"""
