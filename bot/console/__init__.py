"""The contact office's console: contact requests, unanswered questions turned into labelled
training examples or knowledge-base to-dos, the report, and the knowledge base's freshness
with forms for tours and closure days, in the browser behind a login.

A Starlette application (bot/console/app.py) on its own port (``SMARTCITY_CONSOLE_PORT``,
8090), served by the chat page's hardened uvicorn in the same process
(``python -m bot.services.web --console``; ``python -m bot.console`` serves it alone). It reads
and writes through bot.kb (the office and console tables, the editorial files) and reads
conversations and the report's figures through bot.services (retention, report); it never
touches Rasa's model.
"""
