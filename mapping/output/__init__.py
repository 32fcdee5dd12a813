"""Output: the situation as a folium map and offline HTML (``render``, with its ``templates``, place
``labels`` and the offline ``basemap``), static images (``snapshot``) and files (``export``).
"""
