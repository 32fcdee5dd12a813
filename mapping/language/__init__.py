"""The report and its words: tokens and sentences (``text``), the report and its headers (``report``),
place recognition (``extract``), actors (``actors``), time expressions (``dates``) and events (``events``).
"""
