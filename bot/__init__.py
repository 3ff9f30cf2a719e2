"""SMARTCity Gera assistant: knowledge base, clock, language handling and CLI."""
