"""The checkout side of the demo that ``manage.py seed_demo`` creates, after ``catalog.demo``.

``specs`` holds the data (the stores' shipping and payment settings, discount codes, the
shoppers' addresses, carts and orders with their stories) and ``seed`` makes it through
``checkout.services``.
"""
