"""What runs around Rasa: the web page server, the process runner of ``make run``, tracker
retention, the messenger credentials writer, the offline spaCy pipeline build and the
command line ``python -m bot``."""
