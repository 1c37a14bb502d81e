"""The main screen's flows, one module each: what happens between a key and the panes.

Each flow is a Screen subclass mixed into :class:`reader.ui.main_screen.MainScreen`
(Textual finds ``@on`` handlers only on message-pump classes); its methods run with
the main screen as ``self``.
"""
