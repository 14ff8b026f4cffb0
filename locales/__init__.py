"""Gettext catalogs of KIM Bot: `<locale>/LC_MESSAGES/kimbot.po` and compiled `.mo`.

A package only so that an installed KIM Bot finds its catalogs; see docs/locales.md for
the extract → update → translate → compile workflow (`python -m bot.i18n_tool`).
"""
