"""The social side of the demo that ``manage.py seed_demo`` creates, after ``catalog.demo``.

``content`` holds what people post and say, ``posts`` publishes the posts, ``engagement``
makes the follows, likes, comments and saves, and ``seed`` runs it all.
"""
