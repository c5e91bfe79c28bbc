"""Transfers: commands of the ``flowmember`` CLI."""

#: click commands added to the ``flowmember`` group.
COMMANDS: list = []
