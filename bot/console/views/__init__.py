"""The console's pages, one module per area: log-in, requests, unanswered questions, report,
knowledge base (with the audit log)."""
