"""The chat side of the demo that ``manage.py seed_demo`` creates, after ``social.demo``:
quick replies for every store and conversations in Indonesian (``chat.demo.seed``)."""
