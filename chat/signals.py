"""What chat tells the code that delivers it (the socket, notifications), always after commit.

Senders are the services in ``chat.services`` and nothing else; handlers connect in an
``AppConfig.ready()``. The database is the truth: a handler that fails (a socket gone) loses
nothing, because a client that reconnects fetches what came after the last id it has.
"""

from django.dispatch import Signal

# message: Message (with ``conversation`` loaded), created: True. Sent once per new message,
# on commit; never for a retried send that returned the existing message.
message_sent = Signal()
# conversation: Conversation, side: "shopper" | "store", last_read_id: int, unread: int.
# A side read up to a message (the other side may see "Seen"; headers update their counts).
conversation_read = Signal()
# message: Message (with ``conversation`` and its store loaded). A card the message carries
# changed (its offer or order moved on): both parties fetch it again. On commit.
message_updated = Signal()

# --- Asked by chat's pages (``shop.signals`` says how; receivers return what they add) -------

# request, conversation -> HTML in the store's buyer panel (marketing's link to the contact).
buyer_panel_shown = Signal()
