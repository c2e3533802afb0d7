"""The chat's live side: WebSockets at ``/ws/chat/`` (Django Channels).

One socket per browser tab carries all of a user's conversations. The database is the truth
and the socket only notifies: ``chat.services`` commit a message (or a read), then
``chat.signals`` tell ``chat.live.events``, which publishes a small event to the per-user
groups of both parties. A client that was away asks for what came after the last id it has
(``resync`` on the socket, or ``after=`` over HTTP), so a dropped event loses nothing.

- ``auth``: who the socket is (session cookie from an allowed origin, or an API token).
- ``events``: group names, the events the server publishes, the signal handlers.
- ``consumer``: the socket itself and the events a client may send.
- ``presence``: who has a socket open (in the cache, with a TTL the client's pings refresh).
"""
