"""Resolution: which place each mention means (``resolve``, with the learned ranker in ``ranking``), and
the areas that qualifiers such as "the southern countryside of" derive from it (``qualify``).
"""
