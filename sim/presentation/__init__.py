"""Presentation: plots, console tables, the HTML report and the workshop dashboard.

Heavy libraries (matplotlib, Solara) are imported inside the modules that draw or serve, so
importing this package costs nothing.
"""
