"""Allows ``python -m bot ...``."""

from bot.services.cli import main

raise SystemExit(main())
