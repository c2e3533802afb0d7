"""The store's assistant: rules the seller can read (greeting, away message, auto-reply, FAQ
answers, answers from the shop's own settings, order status) and one service that decides
who answers a conversation (``handoff.who_answers``). It never talks over a person.

- ``models``: settings, weekly hours, holidays, FAQ entries, per-conversation state, events.
- ``hours``: open or closed at a moment, in the store's time zone.
- ``matching``: the normaliser (Indonesian and English, chat shorthand) and the matcher.
- ``facts``: answers from what the shop already knows (shipping, COD, payment, hours, stock).
- ``handoff``: who answers; a person's message pauses the assistant; asking for a person.
- ``replies``: what the assistant does with a shopper's new messages (run in a Celery task).
- ``services``: the seller's writes (settings, FAQ), ``report``: the seller's figures.
"""
