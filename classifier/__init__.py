"""Intent (咨询/投诉/预约/建议) and handler routing for the hotline: a pure library, see README.md.

Entry points: ``classifier.shipped.resolve_model_dir`` + ``classifier.persist.load_model`` ->
``TextModel.predict(text, threshold)``; ``classifier.routing.route(...)``; training via
``TextModel.train`` and ``classifier.versions.ModelRegistry``. Nothing is loaded at import time.
"""
