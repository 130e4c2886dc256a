"""The service-item knowledge base shared by every channel (phone, web portal, forum, kiosk).

- ``knowledge_base.catalog_io``: import/export the catalogue (CSV/XLSX), load the shipped seed.
- ``knowledge_base.items``: look up, update and retire items; every change leaves a revision.
- ``knowledge_base.search``: the in-memory search index (BM25 + pinyin for homophone typos).

Nothing is imported or loaded here.
"""
