"""The fast character TF-IDF gives the same matrix as scikit-learn's TfidfVectorizer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.char_features import CharNgramTfidf
from classifier.datasets import SHIPPED_TRAIN, read_labelled_csv

ODD = ["", "A", "Ab", "😡😡", "  a  b ", "\uffff😡\uffff", "𠀀𠀁 emoji 😡 mixed 混合", "投诉" * 3000]


CASES = [((1, 2), 3, 0.5), ((1, 3), 1, 1.0), ((2, 3), 2, 1.0)]


@pytest.mark.parametrize(("ngrams", "min_df", "max_df"), CASES)
def test_same_matrix_as_tfidf_vectorizer(ngrams, min_df, max_df):
    texts = read_labelled_csv(SHIPPED_TRAIN["intent"]).texts[:600] + ["😡 a b", "𠀀𠀁"]
    ours = CharNgramTfidf(ngrams, min_df, max_df).fit(texts)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=ngrams, min_df=min_df, max_df=max_df, sublinear_tf=True
    ).fit(texts)
    for batch in (texts[:200], ODD):
        got, want = ours.transform(batch), reference.transform(batch)
        assert got.shape == want.shape
        assert np.abs((got - want).toarray()).max() < 1e-6


def test_empty_batch_and_bad_range():
    model = CharNgramTfidf((1, 2)).fit(["甲乙", "丙丁"])
    assert model.transform([]).shape == (0, len(model.idf_))
    with pytest.raises(ValueError, match="ngram_range"):
        CharNgramTfidf((1, 4)).fit(["甲乙"])
